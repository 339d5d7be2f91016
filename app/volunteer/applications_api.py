"""志愿者注册 (JSON): apply, list a village's applications, approve or decline (app/volunteer/applications.py)."""

from fastapi import APIRouter, Response
from sqlmodel import Session

from app.deps import ActorDep, SessionDep
from app.ids import Id
from app.org.models import User
from app.volunteer import applications
from app.volunteer.models import ApplicationCreate, ApplicationPublic, OptionalReason, VolunteerApplication

router = APIRouter(tags=["volunteer"])


def application_public(session: Session, application: VolunteerApplication) -> ApplicationPublic:
    user = session.get(User, application.user_id)
    return ApplicationPublic(**application.model_dump(exclude={"open_user_id", "decided_by_id"}),
                             name=user.name if user else "", phone=user.phone if user else None)


@router.post("/volunteer-applications", status_code=201, response_model=ApplicationPublic)
def apply(body: ApplicationCreate, actor: ActorDep, session: SessionDep, response: Response) -> ApplicationPublic:
    """A villager applies to volunteer in their own village: 201 when new; 200 with the one that waits when sent
    again (one open application a person)."""
    application, created = applications.apply(session, actor=actor, skills=body.skills,
                                              availability=body.availability)
    result = application_public(session, application)
    session.commit()
    response.status_code = 201 if created else 200
    return result


@router.get("/villages/{village_id}/volunteer-applications")
def list_applications(village_id: Id, actor: ActorDep, session: SessionDep) -> dict:
    rows = applications.village_applications(session, actor=actor, village_id=village_id)
    return {"items": [application_public(session, a) for a, _user in rows], "next_cursor": None}


@router.post("/volunteer-applications/{application_id}/approve", response_model=ApplicationPublic)
def approve(application_id: Id, actor: ActorDep, session: SessionDep) -> ApplicationPublic:
    application = applications.approve(session, actor=actor, application_id=application_id)
    result = application_public(session, application)
    session.commit()
    return result


@router.post("/volunteer-applications/{application_id}/decline", response_model=ApplicationPublic)
def decline(application_id: Id, actor: ActorDep, session: SessionDep,
            body: OptionalReason | None = None) -> ApplicationPublic:
    application = applications.decline(session, actor=actor, application_id=application_id,
                                       reason=body.reason if body else "")
    result = application_public(session, application)
    session.commit()
    return result
