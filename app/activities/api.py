"""文明实践活动 JSON API (shared/api-v1.md, "Villagers' claims and group activities"), with the steps it leaves to us:
withdrawing, the organiser's check-in code, checking in with it, photos."""

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from app.activities import service, views
from app.activities.media import checkin_url
from app.activities.models import ActivityCreate, ActivityPublic, Attendance, Checkin, CheckinCode, SignupPublic
from app.deps import ActorDep, IdempotencyKey, SecretDep, SessionDep, SettingsDep
from app.ids import Id
from app.images import MAX_UPLOAD_BYTES, process_photo

router = APIRouter(tags=["activities"])


@router.get("/activities")
def list_activities(actor: ActorDep, session: SessionDep, limit: int | None = None, cursor: str | None = None
                    ) -> dict:
    page = views.list_activities(session, actor=actor, limit=limit, cursor=cursor)
    return {"items": [views.activity_public(session, a, viewer=actor) for (a,) in page.items],
            "next_cursor": page.next_cursor}


@router.post("/activities", status_code=201, response_model=ActivityPublic)
def create_activity(body: ActivityCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                    idempotency_key: IdempotencyKey = None) -> ActivityPublic:
    activity = service.create_activity(
        session, actor=actor, org_id=body.org_id, title=body.title, kind=body.kind, place=body.place,
        description=body.description, starts_at=body.starts_at, places=body.places, points=body.points,
        hours=body.hours, walk_ins=body.walk_ins, idempotency_key=idempotency_key, tz=settings.timezone)
    session.commit()
    return views.activity_public(session, activity, viewer=actor)


@router.get("/activities/{activity_id}", response_model=ActivityPublic)
def get_activity(activity_id: Id, actor: ActorDep, session: SessionDep) -> ActivityPublic:
    return views.activity_public(session, service.visible_activity(session, actor, activity_id), viewer=actor)


@router.post("/activities/{activity_id}/signups", status_code=201, response_model=SignupPublic)
def sign_up(activity_id: Id, actor: ActorDep, session: SessionDep) -> SignupPublic:
    """Sign up (a villager or volunteer of a covered village); sent twice, the same sign-up."""
    activity = service.visible_activity(session, actor, activity_id)
    row = service.sign_up(session, actor=actor, activity=activity)
    session.commit()
    return views.signup_public(row, actor.user.name)


@router.post("/activities/{activity_id}/signups/cancel", response_model=SignupPublic)
def withdraw(activity_id: Id, actor: ActorDep, session: SessionDep) -> SignupPublic:
    """Cancel one's own sign-up before the activity starts."""
    activity = service.visible_activity(session, actor, activity_id)
    row = service.withdraw(session, actor=actor, activity=activity)
    session.commit()
    return views.signup_public(row, actor.user.name)


@router.get("/activities/{activity_id}/checkin-code", response_model=CheckinCode)
def checkin_code(activity_id: Id, request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep,
                 settings: SettingsDep) -> CheckinCode:
    """The organiser's rotating code (good for 2 minutes) and the address its QR holds."""
    activity = service.visible_activity(session, actor, activity_id)
    token, expires_at = service.checkin_code(session, actor=actor, activity=activity, secret=secret)
    return CheckinCode(token=token, url=checkin_url(request, settings, token), expires_at=expires_at)


@router.post("/activities/{activity_id}/checkin", response_model=SignupPublic)
def check_in(activity_id: Id, body: Checkin, actor: ActorDep, session: SessionDep, secret: SecretDep
             ) -> SignupPublic:
    """A participant checks in with the organiser's code (a walk-in while places remain)."""
    activity = service.visible_activity(session, actor, activity_id)
    row = service.check_in(session, actor=actor, activity=activity, token=body.token, secret=secret)
    session.commit()
    return views.signup_public(row, actor.user.name)


@router.post("/activities/{activity_id}/attendance", response_model=ActivityPublic)
def attendance(activity_id: Id, body: Attendance, actor: ActorDep, session: SessionDep) -> ActivityPublic:
    activity = service.visible_activity(session, actor, activity_id)
    service.mark_attendance(session, actor=actor, activity=activity, present=body.user_ids,
                            absent=body.absent_user_ids)
    session.commit()
    return views.activity_public(session, activity, viewer=actor)


@router.post("/activities/{activity_id}/close", response_model=ActivityPublic)
def close(activity_id: Id, actor: ActorDep, session: SessionDep) -> ActivityPublic:
    activity = service.visible_activity(session, actor, activity_id)
    service.close_activity(session, actor=actor, activity=activity)
    session.commit()
    return views.activity_public(session, activity, viewer=actor)


@router.post("/activities/{activity_id}/photos", status_code=201, response_model=ActivityPublic)
def add_photo(activity_id: Id, photo: Annotated[UploadFile, File()], actor: ActorDep, session: SessionDep
              ) -> ActivityPublic:
    """A photo of the activity, published after closing (checked and re-encoded like a goods photo)."""
    data = photo.file.read(MAX_UPLOAD_BYTES + 1)
    activity = service.visible_activity(session, actor, activity_id)
    service.run_activity(session, actor, activity)
    session.commit()  # the photo is decoded holding no lock and no connection
    service.add_photo(session, actor=actor, activity=activity, photo=process_photo(data))
    session.commit()
    return views.activity_public(session, activity, viewer=actor)

