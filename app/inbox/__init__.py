"""消息 (issue #18): what is waiting for each person — answers, their orders' steps, round results, awards, requests."""
