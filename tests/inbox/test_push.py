"""Web Push of 消息 (optional, off by default): nothing is queued or shown while it is off; on, a phone that
subscribed is sent the message's own line after the transaction commits — never for a rolled-back one — and a
subscription the push service says is gone is forgotten. No network: the sender is a stand-in."""

import json
import threading

import pytest
from sqlmodel import select

from app.db import session_for
from app.inbox import push
from app.inbox.models import PushSubscription
from app.inbox.service import notify
from app.static_files import static_url
from tests.conftest import DEMO, make_settings
from tests.inbox.helpers import user_id

pytestmark = pytest.mark.sqlite_only
SUB = {"endpoint": "https://push.example.test/abc", "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUb",
       "auth": "tBHItJI5svbpez7KI4CCXg"}


class Sender:
    """Stands in for pywebpush: records what would be sent; answers `status`."""

    def __init__(self, status=201):
        self.sent, self.status, self.done = [], status, threading.Event()

    def __call__(self, subscription, data, config):
        self.sent.append((subscription["endpoint"], json.loads(data)))
        self.done.set()
        return self.status


def turn_on(engine, sender) -> None:
    push.configure(engine, make_settings(engine, web_push=True, vapid_public_key="BPUBLIC", vapid_private_key="x"),
                   send=sender)


def test_off_by_default_nothing_is_offered(api, demo_engine):
    assert push.public_key(demo_engine) == ""
    html = api.client.get("/messages", headers=api.headers("villager")).text
    assert 'id="inbox-push"' not in html and "push.js" not in html


def test_a_subscribed_phone_is_told_after_the_commit_only(api, demo_engine):
    sender = Sender()
    turn_on(demo_engine, sender)
    try:
        assert api.post("/me/push-subscriptions", "villager", json=SUB).status_code == 201
        assert api.post("/me/push-subscriptions", "villager", json=SUB).status_code == 201  # the same phone again
        html = api.client.get("/messages", headers=api.headers("villager")).text
        assert 'data-key="BPUBLIC"' in html and static_url("push.js") in html
        villager = user_id(demo_engine, DEMO["villager"])
        with session_for(demo_engine, write=True) as s:
            notify(s, kind="award", text="回滚的不提醒", link="/points", user_ids=[villager])
            s.rollback()
        with session_for(demo_engine, write=True) as s:
            notify(s, kind="award", text="积分到账 +3 分", link="/points", user_ids=[villager])
            assert sender.sent == []  # not before the commit
            s.commit()
        assert sender.done.wait(10)
        assert sender.sent == [(SUB["endpoint"], {"title": "振风", "body": "积分到账 +3 分", "link": "/points"})]
    finally:
        push.configure(demo_engine, make_settings(demo_engine))


def test_a_gone_subscription_is_forgotten(api, demo_engine):
    sender = Sender(status=410)
    turn_on(demo_engine, sender)
    try:
        assert api.post("/me/push-subscriptions", "villager", json=SUB).status_code == 201
        push.send_now(demo_engine, [({"endpoint": SUB["endpoint"], "keys": {}}, "{}")])
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(PushSubscription)).all() == []
    finally:
        push.configure(demo_engine, make_settings(demo_engine))


def test_only_an_https_push_service_is_taken_and_one_removes_ones_own(api, demo_engine):
    for bad in ({**SUB, "endpoint": "http://push.example.test/x"}, {**SUB, "endpoint": "javascript:1"},
                {**SUB, "auth": " "}, {**SUB, "endpoint": "https://x/" + "a" * 600}):
        assert api.post("/me/push-subscriptions", "villager", json=bad).status_code == 422
    assert api.post("/me/push-subscriptions", "villager", json=SUB).status_code == 201
    assert api.post("/me/push-subscriptions/remove", "neighbour", json=SUB).status_code == 204
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(PushSubscription)).all()) == 1  # not the neighbour's to remove
    assert api.post("/me/push-subscriptions/remove", "villager", json=SUB).status_code == 204
    with session_for(demo_engine, write=False) as s:
        assert s.exec(select(PushSubscription)).all() == []
