"""志愿者注册 pages: a villager applies on 服务; the station reviews the village's applications."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import DomainError, NotFound
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import VOLUNTEER_APPOINTERS, applicant_village, application_village, village_for
from app.org.service import village_name
from app.volunteer import applications
from app.volunteer.models import APPLICATION_LABELS

router = APIRouter()
APPLY_DONE = {"apply": "申请已提交，村里审核后会通知您", "waiting": "您已经提交过申请，正在等村里审核"}
REVIEW_DONE = {"approve": "已同意：他现在是本村的志愿者了", "decline": "已回复申请人"}


@router.get("/service/volunteer")
def apply_page(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    applicant_village(session, actor)  # villagers only, in words
    return _apply_page(request, session, actor, done=APPLY_DONE.get(done, ""))


@router.post("/service/volunteer")
def apply(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
          skills: Annotated[str, Form()] = "", availability: Annotated[str, Form()] = "") -> Response:
    try:
        _application, created = applications.apply(session, actor=actor, skills=skills, availability=availability)
    except DomainError as exc:
        session.rollback()
        response = _apply_page(request, session, actor, error=exc.message, form={"skills": skills,
                                                                                 "availability": availability},
                               status_code=exc.status_code)
        response.headers["HX-Push-Url"] = "false"
        return response
    session.commit()
    return redirect_after_post(f"/service/volunteer?done={'apply' if created else 'waiting'}", htmx=htmx)


def _apply_page(request: Request, session, actor, *, done: str = "", error: str = "", form: dict | None = None,
                status_code: int = 200) -> Response:
    return render(request, "volunteer/apply.html", {
        "tab": "service", "mine": applications.my_applications(session, user_id=actor.id),
        "waiting": applications.open_application(session, user_id=actor.id), "labels": APPLICATION_LABELS,
        "village": village_name(session, applicant_village(session, actor)), "done": done, "error": error,
        "form": form or {}}, status_code=status_code)


@router.get("/service/applications")
def review_page(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None,
                done: str = "") -> Response:
    village = village_for(actor, village_id, VOLUNTEER_APPOINTERS, refuse="只有村干部可以审核志愿者申请")
    return _review_page(request, session, actor, village, done=REVIEW_DONE.get(done, ""))


def _review_page(request: Request, session, actor, village: int, *, done: str = "", error: str = "",
                 status_code: int = 200) -> Response:
    return render(request, "volunteer/applications.html", {
        "tab": "service", "rows": applications.village_applications(session, actor=actor, village_id=village),
        "village_id": village, "village": village_name(session, village), "labels": APPLICATION_LABELS,
        "done": done, "error": error}, status_code=status_code)


@router.post("/service/applications/{application_id}/approve")
def approve(application_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    return _decide(request, session, actor, htmx, application_id, "approve", "")


@router.post("/service/applications/{application_id}/decline")
def decline(application_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            reason: Annotated[str, Form()] = "") -> Response:
    return _decide(request, session, actor, htmx, application_id, "decline", reason)


def _decide(request: Request, session, actor, htmx, application_id: int, decision: str, reason: str) -> Response:
    try:
        if decision == "approve":
            application = applications.approve(session, actor=actor, application_id=application_id)
        else:
            application = applications.decline(session, actor=actor, application_id=application_id, reason=reason)
    except NotFound:
        raise
    except DomainError as exc:  # decided meanwhile, one's own, already a volunteer: said on the list
        session.rollback()
        village = application_village(actor, applications.village_of(session, application_id))
        response = _review_page(request, session, actor, village, error=exc.message, status_code=exc.status_code)
        response.headers["HX-Push-Url"] = "false"
        return response
    session.commit()
    return redirect_after_post(f"/service/applications?village_id={application.village_id}&done={decision}",
                               htmx=htmx)
