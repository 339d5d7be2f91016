"""消息 pages: the list (opening it marks all read), one message (marks it read and goes to its thing), the 我的 tab's
badge, and 首页's cards: the newest unread message, and what waits for the village's staff."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.db import write_session
from app.deps import ActorDep, EngineDep, SessionDep
from app.htmx import render
from app.ids import Id
from app.inbox import push, service, waiting
from app.inbox.models import KIND_LABELS
from app.org.access import VILLAGE_STAFF

router = APIRouter()


def _local(link: str) -> str:
    """A message's link, only ever a path of this site."""
    return link if link.startswith("/") and not link.startswith(("//", "/\\")) else "/messages"


@router.get("/messages")
def message_list(request: Request, actor: ActorDep, session: SessionDep, engine: EngineDep) -> Response:
    rows = service.list_messages(session, user_id=actor.id)
    unread = {m.id for m in rows if m.read_at is None}
    if unread:  # read now: a short write of its own, taken only when something was unread
        with write_session(engine) as writer:
            service.mark_read(writer, user_id=actor.id, message_ids=unread)
            writer.commit()
    return render(request, "inbox/list.html", {"tab": "me", "rows": rows, "unread": unread, "labels": KIND_LABELS,
                                               "push_key": push.public_key(engine)})


@router.get("/messages/badge")
def badge(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """The 我的 tab's badge: unread messages (the tab bar loads it)."""
    return render(request, "_tab_badge.html", {"count": service.unread_count(session, user_id=actor.id),
                                               "label": "条未读消息"})


@router.get("/messages/home-card")
def home_card(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """首页's cards (fetched by 首页): the newest unread message; for the village's staff what waits to be acted on,
    per village for the town admin."""
    staff = waiting.home_waiting(session, actor=actor) if actor.has_role(VILLAGE_STAFF) else {}
    newest = service.list_messages(session, user_id=actor.id, limit=1, unread=True)
    return render(request, "inbox/_home.html", {
        "newest": newest[0] if newest else None, "unread": service.unread_count(session, user_id=actor.id) if newest
        else 0, "staff": staff, "labels": KIND_LABELS})


@router.get("/messages/{message_id}")
def open_message(message_id: Id, actor: ActorDep, session: SessionDep, engine: EngineDep) -> Response:
    """Open one message: marked read, then on to its thing."""
    message = service.own_message(session, user_id=actor.id, message_id=message_id)
    if message.read_at is None:
        with write_session(engine) as writer:
            service.mark_read(writer, user_id=actor.id, message_ids=[message.id])
            writer.commit()
    return RedirectResponse(_local(message.link), status_code=303)
