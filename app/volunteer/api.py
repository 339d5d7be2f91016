"""Service orders JSON API (shared/api-v1.md, Volunteer service orders): menu, teams, orders and their steps."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from sqlmodel import Session

from app.deps import ActorDep, CodeTriesDep, IdempotencyKey, SecretDep, SessionDep, SettingsDep
from app.ids import Id
from app.images import MAX_UPLOAD_BYTES, process_photo
from app.org.access import Actor, station_unit
from app.shop.redemption.counter import throttle_code_tries
from app.volunteer import catalogue, service, views
from app.volunteer.models import (
    CardRating,
    Completion,
    Dispatch,
    HandDown,
    HoursApproval,
    MemberBrief,
    OptionalReason,
    OrderCreate,
    OrderPublic,
    Rating,
    Reason,
    ServiceCreate,
    ServicePublic,
    SettingsPublic,
    SettingsUpdate,
    TeamCreate,
    TeamMemberAdd,
    TeamPublic,
    VolunteerService,
)

router = APIRouter(tags=["volunteer"])


def service_public(s: VolunteerService) -> ServicePublic:
    return ServicePublic(id=s.id, name=s.name, category=s.category, description=s.description, provider=s.provider,
                         level=s.level, standard_hours=catalogue.hours(s.standard_minutes))


def settings_public(rules) -> SettingsPublic:
    return SettingsPublic(village_id=rules.village_id, points_per_hour=rules.points_per_hour,
                          monthly_cap=rules.monthly_cap, dispatch_hours=rules.dispatch_hours,
                          complete_days=rules.complete_days, rate_days=rules.rate_days,
                          wish_hours=catalogue.hours(rules.wish_minutes))


# --- the menu, teams, rules --------------------------------------------------------------------------------------

@router.get("/services")
def list_services(actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> dict:
    village = catalogue.service_village(session, actor, village_id)
    return {"items": [service_public(s) for s in catalogue.menu(session, village_id=village)], "next_cursor": None}


@router.post("/services", status_code=201, response_model=ServicePublic)
def create_service(body: ServiceCreate, actor: ActorDep, session: SessionDep,
                   idempotency_key: IdempotencyKey = None) -> ServicePublic:
    village = catalogue.service_village(session, actor, body.village_id)
    created = catalogue.create_service(session, actor=actor, village_id=village, name=body.name,
                                       category=body.category, description=body.description,
                                       provider=body.provider, standard_hours=body.standard_hours, level=body.level,
                                       idempotency_key=idempotency_key)
    session.commit()
    return service_public(created)


def team_public(team, members) -> TeamPublic:
    return TeamPublic(id=team.id, org_id=team.org_id, village_id=team.village_id, name=team.name,
                      description=team.description, members=[MemberBrief(id=u.id, name=u.name) for u in members])


def _team_answer(session: Session, team) -> TeamPublic:
    return next(team_public(t, m) for t, m in catalogue.list_teams(session, org_id=team.org_id) if t.id == team.id)


@router.get("/volunteer-teams")
def list_teams(actor: ActorDep, session: SessionDep, village_id: Id | None = None, org_id: Id | None = None
               ) -> dict:
    """A village's teams (`village_id`, or one's own village), or with `org_id` the teams of the township 所 or
    county 中心 (for those who run it)."""
    unit = station_unit(session, actor, org_id) if org_id is not None else None
    station = unit.id if unit is not None else catalogue.service_village(session, actor, village_id)
    return {"items": [team_public(t, m) for t, m in catalogue.list_teams(session, org_id=station)],
            "next_cursor": None}


@router.post("/volunteer-teams", status_code=201, response_model=TeamPublic)
def create_team(body: TeamCreate, actor: ActorDep, session: SessionDep, idempotency_key: IdempotencyKey = None
                ) -> TeamPublic:
    unit = catalogue.team_unit(session, actor=actor, village_id=body.village_id, org_id=body.org_id)
    team = catalogue.create_team(session, actor=actor, unit=unit, name=body.name, description=body.description,
                                 member_ids=body.member_user_ids, idempotency_key=idempotency_key)
    session.commit()
    return _team_answer(session, team)


@router.post("/volunteer-teams/{team_id}/members", response_model=TeamPublic)
def add_team_member(team_id: Id, body: TeamMemberAdd, actor: ActorDep, session: SessionDep) -> TeamPublic:
    team = catalogue.visible_team(session, actor, team_id)
    catalogue.add_team_member(session, actor=actor, team=team, user_id=body.user_id)
    session.commit()
    return _team_answer(session, team)


@router.get("/service-settings", response_model=SettingsPublic)
def get_settings(actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> SettingsPublic:
    village = catalogue.service_village(session, actor, village_id)
    return settings_public(catalogue.settings_for(session, village_id=village))


@router.put("/service-settings", response_model=SettingsPublic)
def put_settings(body: SettingsUpdate, actor: ActorDep, session: SessionDep) -> SettingsPublic:
    village = catalogue.service_village(session, actor, body.village_id)
    rules = catalogue.update_settings(session, actor=actor, village_id=village,
                                      values=body.model_dump(exclude_unset=True, exclude={"village_id"}))
    session.commit()
    return settings_public(rules)


# --- orders -------------------------------------------------------------------------------------------------------

@router.post("/orders", status_code=201, response_model=OrderPublic)
def create_order(body: OrderCreate, actor: ActorDep, session: SessionDep, idempotency_key: IdempotencyKey = None
                 ) -> OrderPublic:
    order = service.place_order(session, actor=actor, service_id=body.service_id, wish=body.wish,
                                description=body.description, address=body.address,
                                preferred_time=body.preferred_time, household_id=body.household_id,
                                for_name=body.for_name, idempotency_key=idempotency_key)
    session.commit()
    return views.order_public(session, order, viewer=actor, with_events=True)


@router.get("/orders")
def list_orders(actor: ActorDep, session: SessionDep, status: str | None = None, limit: int | None = None,
                cursor: str | None = None) -> dict:
    page = views.list_orders(session, actor=actor, status=status, limit=limit, cursor=cursor)
    return {"items": [views.order_public(session, o, viewer=actor) for (o,) in page.items],
            "next_cursor": page.next_cursor}


@router.get("/orders/{order_id}", response_model=OrderPublic)
def get_order(order_id: Id, actor: ActorDep, session: SessionDep) -> OrderPublic:
    return views.order_public(session, service.visible_order(session, actor, order_id), viewer=actor,
                                with_events=True)


def _answer(session: Session, order, actor: Actor) -> OrderPublic:
    session.commit()
    return views.order_public(session, order, viewer=actor, with_events=True)


@router.post("/orders/{order_id}/dispatch", response_model=OrderPublic)
def dispatch(order_id: Id, body: Dispatch, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.dispatch(session, actor=actor, order=order, volunteer_user_id=body.volunteer_user_id,
                     team_id=body.team_id)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/hand-down", response_model=OrderPublic)
def hand_down(order_id: Id, body: HandDown, actor: ActorDep, session: SessionDep) -> OrderPublic:
    """The 所 or 中心 an open order is with hands it to the village's 站 to dispatch (转交村实践站)."""
    order = service.visible_order(session, actor, order_id)
    service.hand_down(session, actor=actor, order=order, note=body.note)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/reject", response_model=OrderPublic)
def reject(order_id: Id, body: Reason, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.reject(session, actor=actor, order=order, reason=body.reason)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/accept", response_model=OrderPublic)
def accept(order_id: Id, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.accept(session, actor=actor, order=order)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/decline", response_model=OrderPublic)
def decline(order_id: Id, body: Reason, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.decline(session, actor=actor, order=order, reason=body.reason)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/cancel", response_model=OrderPublic)
def cancel(order_id: Id, body: OptionalReason, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.cancel(session, actor=actor, order=order, reason=body.reason)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/complete", response_model=OrderPublic)
def complete(order_id: Id, body: Completion, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.complete(session, actor=actor, order=order, hours=body.hours, note=body.note)
    return _answer(session, order, actor)


@router.put("/orders/{order_id}/photo", response_model=OrderPublic)
def add_photo(order_id: Id, photo: Annotated[UploadFile, File()], actor: ActorDep, session: SessionDep
              ) -> OrderPublic:
    """The volunteer's photo of a completed service (checked and re-encoded like a goods photo)."""
    data = photo.file.read(MAX_UPLOAD_BYTES + 1)
    order = service.visible_order(session, actor, order_id)
    session.commit()  # the photo is decoded holding no lock and no connection
    service.attach_photo(session, actor=actor, order=order, photo=process_photo(data))
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/rate", response_model=OrderPublic)
def rate(order_id: Id, body: Rating, actor: ActorDep, session: SessionDep,
         idempotency_key: IdempotencyKey = None) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.rate(session, actor=actor, order=order, stars=body.stars, comment=body.comment,
                 idempotency_key=idempotency_key)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/rate-by-card", response_model=OrderPublic)
def rate_by_card(order_id: Id, body: CardRating, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                 secret: SecretDep, code_tries: CodeTriesDep) -> OrderPublic:
    """The station enters the served household's rating with its household card and 卡密码 (no smartphone)."""
    order = service.visible_order(session, actor, order_id)
    throttle_code_tries(code_tries, actor.id)
    refusal = service.rate_with_card(session, actor=actor, order=order, card_code=body.card_code, pin=body.pin,
                                     stars=body.stars, comment=body.comment, secret=secret,
                                     tz=settings.timezone)
    session.commit()  # a wrong PIN is counted even though the answer is a refusal
    if refusal is not None:
        raise refusal
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/confirm", response_model=OrderPublic)
def confirm(order_id: Id, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.confirm(session, actor=actor, order=order)
    return _answer(session, order, actor)


@router.post("/orders/{order_id}/approve-hours", response_model=OrderPublic)
def approve_hours(order_id: Id, body: HoursApproval, actor: ActorDep, session: SessionDep) -> OrderPublic:
    order = service.visible_order(session, actor, order_id)
    service.approve_hours(session, actor=actor, order=order, hours=body.hours)
    return _answer(session, order, actor)


# --- mine ----------------------------------------------------------------------------------------------------------

@router.get("/me/service-hours")
def my_hours(actor: ActorDep, session: SessionDep) -> dict:
    record = views.volunteer_record(session, user_id=actor.id)
    return {"total_hours": record["total_hours"], "total_points": record["total_points"],
            "pending_points": record["pending_points"],
            "orders_count": record["count"], "waiting_hours": record["waiting_hours"],
            "orders": [{"id": o.id, "title": o.title, "completed_at": o.completed_at,
                        "hours": catalogue.hours(o.credited_minutes), "points": o.points} for o in record["orders"]]}


@router.get("/me/service-badges")
def my_badges(actor: ActorDep, session: SessionDep) -> dict:
    return views.badges(session, actor=actor)


@router.get("/service-ratings")
def ratings(actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> dict:
    village = catalogue.service_village(session, actor, village_id)
    return {"items": [{"order_id": o.id, "title": o.title, "volunteer": name, "stars": o.stars,
                       "comment": o.comment, "rated_at": o.settled_at, "status": o.status,
                       "hours": catalogue.hours(o.credited_minutes), "points": o.points}
                      for o, name in views.village_ratings(session, village_id=village)], "next_cursor": None}
