"""文明新风评比 and 红黑榜: criteria, rounds scored by the committee, public notice with objections, the lists."""
