"""消息 over the JSON API: the caller's own messages (newest first, with the unread count) and marking them read."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.deps import ActorDep, SessionDep
from app.inbox import push, service
from app.inbox.models import KIND_LABELS, MessagePublic, PushSubscriptionIn

router = APIRouter()


@router.get("/me/messages")
def my_messages(actor: ActorDep, session: SessionDep) -> dict:
    rows = service.list_messages(session, user_id=actor.id)
    return {"items": [MessagePublic(**m.model_dump(), kind_label=KIND_LABELS.get(m.kind, "消息")) for m in rows],
            "unread": service.unread_count(session, user_id=actor.id), "next_cursor": None}


@router.post("/me/messages/read")
def mark_all_read(actor: ActorDep, session: SessionDep) -> dict:
    """Every one of the caller's messages read (what opening the list does on the page)."""
    marked = service.mark_read(session, user_id=actor.id)
    session.commit()
    return {"marked": marked}


@router.post("/me/push-subscriptions", status_code=201)
def subscribe_push(body: PushSubscriptionIn, actor: ActorDep, session: SessionDep) -> dict:
    """This phone's browser will be told of new messages (Web Push, where the server has it turned on)."""
    row = push.subscribe(session, user_id=actor.id, sub=body)
    session.commit()
    return {"id": row.id}


@router.post("/me/push-subscriptions/remove", status_code=204)
def unsubscribe_push(body: PushSubscriptionIn, actor: ActorDep, session: SessionDep) -> Response:
    push.unsubscribe(session, user_id=actor.id, endpoint=body.endpoint)
    session.commit()
    return Response(status_code=204)
