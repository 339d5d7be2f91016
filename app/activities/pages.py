"""文明实践活动 pages: the list, publishing, an activity (sign up, withdraw; for its organisers the list to tick, the
check-in QR, closing, photos), the scanned code's check-in, and the card on 首页 and 服务."""

import base64
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.activities import service, views
from app.activities.media import checkin_url, photo_response
from app.activities.models import KINDS, MAX_PLACES, MAX_POINTS
from app.deps import ActorDep, HtmxDep, SecretDep, SessionDep, SettingsDep, read_claims
from app.errors import ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.images import MAX_UPLOAD_BYTES, process_photo
from app.org.access import ACTIVITY_PUBLISHERS
from app.shop.qr import qr_svg
from app.timeutil import local, utcnow

public = APIRouter(include_in_schema=False)
router = APIRouter()
DONE = {"create": "活动已发布", "signup": "报名成功，请准时参加", "withdraw": "已取消报名", "checkin": "签到成功",
        "attendance": "到场名单已保存", "close": "活动已结束，积分已发放", "photo": "照片已发布"}


def _tab(actor) -> str:
    return "service" if actor.user.household_id else "home"


# --- the scanned code: public, so that a phone camera or WeChat can open it signed out ----------------------------

@public.get("/a/{token}")
def scanned_code(token: str, request: Request) -> Response:
    """The address in the organiser's QR: signed in → the activity's check-in page; else sign in, then back here."""
    activity_id = service.code_activity_id(token) if len(token) <= 80 else None
    if activity_id is None:
        return RedirectResponse("/activities", status_code=303)
    claims, _ = read_claims(request)
    if claims is None:
        return RedirectResponse(f"/login?next=/a/{token}", status_code=303)
    return RedirectResponse(f"/activities/{activity_id}/checkin?code={token}", status_code=303)


# --- the list and publishing ------------------------------------------------------------------------------------

@router.get("/activities")
def list_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    upcoming, past = views.upcoming_and_past(session, actor=actor)
    return render(request, "activities/list.html", {
        "tab": _tab(actor), "upcoming": upcoming, "past": past, "may_publish": actor.has_role(_publisher_roles()),
        "signed": views.signed_ids(session, actor=actor, activity_ids=[a.id for a in upcoming]),
        "organisers": {a.org_id: views.organiser_name(session, a.org_id) for a in upcoming + past}})


@router.get("/activities/home-card")
def home_card(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """首页 and 服务: the next activities the person may join (nothing when there are none)."""
    upcoming, _ = views.upcoming_and_past(session, actor=actor, past=0)
    return render(request, "activities/_home_card.html", {
        "upcoming": upcoming[:3], "count": len(upcoming),
        "signed": views.signed_ids(session, actor=actor, activity_ids=[a.id for a in upcoming[:3]])})


def _publisher_roles() -> set[str]:
    return {role for roles in ACTIVITY_PUBLISHERS.values() for role in roles}


def _form_page(request: Request, actor, *, form: dict, error: str | None = None, status_code: int = 200):
    return render(request, "activities/new.html", {
        "tab": _tab(actor), "kinds": KINDS, "form": form, "error": error, "max_places": MAX_PLACES,
        "max_points": MAX_POINTS}, status_code=status_code)


@router.get("/activities/new")
def new_page(request: Request, actor: ActorDep) -> Response:
    actor.require_any(_publisher_roles(), "只有村实践站、镇实践所和县实践中心的工作人员可以发布活动")
    return _form_page(request, actor, form={"date": local(utcnow()).strftime("%Y-%m-%d"), "time": "09:00",
                                            "places": "30", "points": "5"})


@router.post("/activities/new")
def create(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, settings: SettingsDep,
           title: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "", place: Annotated[str, Form()] = "",
           date: Annotated[str, Form()] = "", time: Annotated[str, Form()] = "",
           places: Annotated[str, Form()] = "", points: Annotated[str, Form()] = "",
           description: Annotated[str, Form()] = "", walk_ins: Annotated[str, Form()] = "",
           org_id: Annotated[Id | None, Form()] = None, form_key: Annotated[str, Form()] = "") -> Response:
    form = {"title": title, "kind": kind, "place": place, "date": date, "time": time, "places": places,
            "points": points, "description": description, "walk_ins": walk_ins}
    try:
        starts_at = _form_time(date, time)
        activity = service.create_activity(
            session, actor=actor, org_id=org_id, title=title, kind=kind, place=place, description=description,
            starts_at=starts_at, places=form_int(places), points=form_int(points, blank=0), hours=None,
            walk_ins=bool(walk_ins), idempotency_key=form_key or None, tz=settings.timezone)
    except ValidationFailed as exc:
        session.rollback()
        return _form_page(request, actor, form=form, error=exc.message, status_code=422)
    session.commit()
    return redirect_after_post(f"/activities/{activity.id}?done=create", htmx=htmx)


def _form_time(date: str, time: str) -> datetime:
    try:
        return datetime.strptime(f"{date.strip()} {time.strip()}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValidationFailed("请选择活动日期和时间", field="date") from None


# --- one activity ---------------------------------------------------------------------------------------------------

@router.get("/activities/{activity_id}")
def activity_page(request: Request, activity_id: Id, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    activity = service.visible_activity(session, actor, activity_id)
    return render(request, "activities/activity.html", {
        "tab": _tab(actor), "a": views.activity_public(session, activity, viewer=actor),
        "started": views.started(activity), "may_join": views.may_join(session, actor, activity),
        "done": DONE.get(done)})


@router.post("/activities/{activity_id}/signup")
def sign_up(activity_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    service.sign_up(session, actor=actor, activity=service.visible_activity(session, actor, activity_id))
    session.commit()
    return redirect_after_post(f"/activities/{activity_id}?done=signup", htmx=htmx)


@router.post("/activities/{activity_id}/withdraw")
def withdraw(activity_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    service.withdraw(session, actor=actor, activity=service.visible_activity(session, actor, activity_id))
    session.commit()
    return redirect_after_post(f"/activities/{activity_id}?done=withdraw", htmx=htmx)


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _qr_context(request: Request, session, actor, activity_id: int, secret: str, settings) -> dict:
    activity = service.visible_activity(session, actor, activity_id)
    token, expires_at = service.checkin_code(session, actor=actor, activity=activity, secret=secret)
    url = checkin_url(request, settings, token)
    return {"activity": activity, "url": url, "qr_data_uri": _data_uri(qr_svg(url)),
            "expires_at": expires_at, "rotate": service.ROTATE_SECONDS, "taken": activity.taken,
            "present": len(service.attendees(session, activity_id=activity.id))}


@router.get("/activities/{activity_id}/qr")
def qr_page(request: Request, activity_id: Id, actor: ActorDep, session: SessionDep, secret: SecretDep,
            settings: SettingsDep) -> Response:
    """The organiser's phone shows this; the code inside changes every 30 seconds and is good for 2 minutes."""
    return render(request, "activities/qr.html", {"tab": _tab(actor), **_qr_context(
        request, session, actor, activity_id, secret, settings)}, no_store=True)


@router.get("/activities/{activity_id}/qr/code")
def qr_code(request: Request, activity_id: Id, actor: ActorDep, session: SessionDep, secret: SecretDep,
            settings: SettingsDep) -> Response:
    return render(request, "activities/_qr.html", _qr_context(request, session, actor, activity_id, secret,
                                                              settings), no_store=True)


@router.get("/activities/{activity_id}/checkin")
def checkin_page(request: Request, activity_id: Id, actor: ActorDep, session: SessionDep, code: str = "") -> Response:
    """What the scanned code opens: the activity and one button, 确认签到 (a GET writes nothing)."""
    activity = service.visible_activity(session, actor, activity_id)
    return render(request, "activities/checkin.html", {
        "tab": _tab(actor), "a": views.activity_public(session, activity, viewer=actor), "code": code[:80]},
        no_store=True)


@router.post("/activities/{activity_id}/checkin")
def check_in(activity_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, secret: SecretDep,
             code: Annotated[str, Form(max_length=80)] = "") -> Response:
    activity = service.visible_activity(session, actor, activity_id)
    service.check_in(session, actor=actor, activity=activity, token=code, secret=secret)
    session.commit()
    return redirect_after_post(f"/activities/{activity_id}?done=checkin", htmx=htmx)


def _ids(values: list | None) -> list[int]:
    return [int(v) for v in values or [] if isinstance(v, str) and v.isdigit() and len(v) <= 10]


@router.post("/activities/{activity_id}/attendance")
def attendance(request: Request, activity_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
               present: Annotated[list[str] | None, Form()] = None,
               shown: Annotated[list[str] | None, Form()] = None) -> Response:
    """The organiser's ticks: `present` are ticked; `shown` were ticked when the page was drawn (a tick taken
    off is absent again; someone who checked in by the code meanwhile stays present)."""
    ticked = _ids(present)
    activity = service.visible_activity(session, actor, activity_id)
    service.mark_attendance(session, actor=actor, activity=activity, present=ticked,
                            absent=[uid for uid in _ids(shown) if uid not in ticked])
    session.commit()
    return redirect_after_post(f"/activities/{activity_id}?done=attendance", htmx=htmx)


@router.post("/activities/{activity_id}/close")
def close(activity_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    service.close_activity(session, actor=actor, activity=service.visible_activity(session, actor, activity_id))
    session.commit()
    return redirect_after_post(f"/activities/{activity_id}?done=close", htmx=htmx)


@router.post("/activities/{activity_id}/photos")
def add_photo(activity_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
              photo: Annotated[UploadFile | None, File()] = None) -> Response:
    data = photo.file.read(MAX_UPLOAD_BYTES + 1) if photo is not None and photo.filename else b""
    activity = service.visible_activity(session, actor, activity_id)
    service.run_activity(session, actor, activity)
    session.commit()  # the photo is decoded holding no lock and no connection
    service.add_photo(session, actor=actor, activity=activity, photo=process_photo(data))
    session.commit()
    return redirect_after_post(f"/activities/{activity_id}?done=photo", htmx=htmx)


@router.get("/activities/{activity_id}/photos/{photo_id}.jpg")
def photo(activity_id: Id, photo_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    return photo_response(session, actor, activity_id, photo_id)
