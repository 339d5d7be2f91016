"""For tests/test_isolation.py: the 消息 routes. A message is its reader's alone: another village's official and a
neighbour get 404 for 王建国's message; he opens it (303 to its thing). The list, the badge and 首页's 待办 read the
caller's own messages and villages only."""

from sqlmodel import col, select

from app.db import session_for
from app.inbox.models import Message
from app.inbox.service import notify
from app.org.models import User

INBOX_SELF_ONLY = {("GET", "/messages"), ("GET", "/messages/badge"), ("GET", "/messages/home-card"),
                   ("GET", "/api/v1/me/messages"), ("POST", "/api/v1/me/messages/read"),
                   ("POST", "/api/v1/me/push-subscriptions"), ("POST", "/api/v1/me/push-subscriptions/remove")}
INBOX_CASES = {("GET", "/messages/{message_id}"): ("villager", None)}


def inbox_ids(engine) -> dict:
    """A message of 王建国's (the villager's)."""
    with session_for(engine, write=True) as s:
        villager = s.exec(select(User.id).where(User.phone == "13800000004")).one()
        notify(s, kind="award", text="积分到账 +3 分：测试", link="/points", user_ids=[villager])
        s.commit()
        return {"message_id": s.exec(select(Message.id).where(Message.user_id == villager)
                                     .order_by(col(Message.id).desc())).first()}
