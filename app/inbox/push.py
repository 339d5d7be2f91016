"""Web Push of 消息 (issue #18, optional, off by default): a phone that allowed it is told of its user's new message
even with the app closed. `notify` queues the push on its session; it is sent only after that transaction commits
(a rolled-back event tells no one), from a thread of its own (a slow push service never holds a request or the
database). The push says no more than the message itself; a gone subscription (404/410) is forgotten."""

import json
import logging
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Pool, delete, event
from sqlmodel import Session, col, select

from app.db import write_session
from app.errors import ValidationFailed
from app.inbox.models import PushSubscription, PushSubscriptionIn

log = logging.getLogger(__name__)
PENDING = "zf_push"  # session.info key: the pushes waiting for the commit
ENDPOINT = re.compile(r"https://[A-Za-z0-9.\-]+(:\d{1,5})?/[\x21-\x7e]{0,480}")  # a push service's address
KEY = re.compile(r"[A-Za-z0-9_\-]{8,200}={0,2}")  # base64url, as PushSubscription.toJSON() gives the keys


@dataclass(frozen=True)
class PushConfig:
    public_key: str
    private_key: str
    subject: str
    send: Callable[[dict, str, "PushConfig"], int | None]  # (subscription_info, data, config) -> HTTP status or None
    engine: Callable[[], Engine | None]  # the database's engine (a weak reference: the config never keeps it alive)


_configs: "weakref.WeakKeyDictionary[Pool, PushConfig]" = weakref.WeakKeyDictionary()


def _pool(bind: Engine | Connection) -> Pool:
    """The database a bind reaches, one key for an engine and its write-marked copies (app/db.write_engine)."""
    return (bind.engine if isinstance(bind, Connection) else bind).pool


def configure(engine: Engine, settings, send: Callable | None = None) -> None:
    """Turn pushes on for this database when the settings say so and hold a key pair (done by app.main.bind_app)."""
    if settings.web_push and settings.vapid_public_key and settings.vapid_private_key:
        _configs[_pool(engine)] = PushConfig(settings.vapid_public_key, settings.vapid_private_key,
                                             settings.vapid_subject, send or _webpush, weakref.ref(engine))
    else:
        _configs.pop(_pool(engine), None)


def public_key(engine: Engine) -> str:
    """The VAPID public key the browser subscribes with ('' when pushes are off)."""
    config = _configs.get(_pool(engine))
    return config.public_key if config else ""


def _webpush(subscription: dict, data: str, config: PushConfig) -> int | None:
    from pywebpush import WebPushException, webpush  # only where pushes are on

    try:
        response = webpush(subscription_info=subscription, data=data, vapid_private_key=config.private_key,
                           vapid_claims={"sub": config.subject}, timeout=10)
        return getattr(response, "status_code", None)
    except WebPushException as exc:
        return getattr(exc.response, "status_code", None)


def subscribe(session: Session, *, user_id: int, sub: PushSubscriptionIn) -> PushSubscription:
    """Keep (or move to this user) a browser's subscription; only an https push service's address is taken."""
    if not (ENDPOINT.fullmatch(sub.endpoint) and KEY.fullmatch(sub.p256dh) and KEY.fullmatch(sub.auth)):
        raise ValidationFailed("这台手机的提醒设置不完整，请重新打开提醒", field="endpoint")
    row = session.exec(select(PushSubscription).where(PushSubscription.endpoint == sub.endpoint)).first()
    row = row or PushSubscription(user_id=user_id, endpoint=sub.endpoint, p256dh="", auth="")
    row.user_id, row.p256dh, row.auth = user_id, sub.p256dh, sub.auth
    session.add(row)
    session.flush()
    return row


def unsubscribe(session: Session, *, user_id: int, endpoint: str) -> int:
    done = session.execute(delete(PushSubscription).where(col(PushSubscription.user_id) == user_id,
                                                          col(PushSubscription.endpoint) == endpoint)).rowcount
    session.flush()
    return done


def queue(session: Session, *, user_ids: Iterable[int], text: str, link: str) -> None:
    """Push `text` to these users' phones once the session's transaction commits (nothing when pushes are off)."""
    if _pool(session.get_bind()) not in _configs:
        return
    subs = session.exec(select(PushSubscription).where(col(PushSubscription.user_id).in_(sorted(user_ids)))).all()
    data = json.dumps({"title": "振风", "body": text, "link": link}, ensure_ascii=False)
    session.info.setdefault(PENDING, []).extend(
        ({"endpoint": s.endpoint, "keys": {"p256dh": s.p256dh, "auth": s.auth}}, data) for s in subs)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        engine = session.get_bind()
        threading.Thread(target=send_now, args=(engine, pending), name="web-push", daemon=True).start()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def send_now(engine: Engine, pending: list[tuple[dict, str]]) -> None:
    """Send each push; forget the subscriptions the push service says are gone."""
    config = _configs.get(_pool(engine))
    if config is None:
        return
    gone = []
    for subscription, data in pending:
        try:
            status = config.send(subscription, data, config)
        except Exception:  # noqa: BLE001 - a push is a courtesy: the message is in the list whatever happens
            log.warning("web push failed", exc_info=True)
            continue
        if status in (404, 410):
            gone.append(subscription["endpoint"])
    if gone and config.engine() is not None:
        with write_session(config.engine()) as session:
            session.execute(delete(PushSubscription).where(col(PushSubscription.endpoint).in_(gone)))
            session.commit()
