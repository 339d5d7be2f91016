"""服务 pages of the station (the board, the menu, the rules) and of the volunteer (record of service), and the
village's public ratings."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import Forbidden
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import ADMINS, OFFICIALS, Actor, own_stations, village_for, villages_under
from app.org.models import OrgUnit
from app.org.service import village_name
from app.timeutil import utcnow
from app.volunteer import catalogue, service, views
from app.volunteer.models import CATEGORIES, LEVEL_LABELS, LEVEL_OF_KIND, STATUS_LABELS
from app.volunteer.pages.orders import form_hours, service_switch

router = APIRouter()
BOARD_DONE = {"confirm": "已确认到期未评价的服务单", "settings": "服务规则已保存", "service": "服务项目已加入菜单",
              "none": "没有到期需要确认的服务单", "team": "志愿队已成立"}
NO_CENTRE = "实践所服务只对乡镇和县管理员开放"


def _station_village(actor: Actor, village_id: int | None) -> int:
    return village_for(actor, village_id, OFFICIALS, refuse="服务站看板只对村干部开放")


@router.get("/service/board")
def board(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None,
          done: str = "") -> Response:
    village = _station_village(actor, village_id)
    return render(request, "volunteer/board.html", {
        "tab": "service", "board": views.village_board(session, village_id=village, now=utcnow()),
        "village_id": village, "village": village_name(session, village), "labels": STATUS_LABELS,
        "services": catalogue.menu(session, village_id=village), "levels": LEVEL_LABELS,
        "teams": catalogue.list_teams(session, org_id=village), "categories": CATEGORIES,
        "station_name": lambda org_id: catalogue.station_name(session, org_id),
        "volunteers": catalogue.village_volunteers(session, village_id=village),
        "hours": catalogue.hours, "done": BOARD_DONE.get(done, "")})


@router.post("/service/board/confirm")
def confirm_due(actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Annotated[Id, Form()]) -> Response:
    done = service.confirm_due_in_village(session, actor=actor, village_id=village_id)
    session.commit()
    return redirect_after_post(f"/service/board?village_id={village_id}&done={'confirm' if done else 'none'}",
                               htmx=htmx)


@router.post("/service/board/settings")
def save_settings(actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Annotated[Id, Form()],
                  points_per_hour: Annotated[str, Form()] = "", monthly_cap: Annotated[str, Form()] = "",
                  dispatch_hours: Annotated[str, Form()] = "", complete_days: Annotated[str, Form()] = "",
                  rate_days: Annotated[str, Form()] = "") -> Response:
    catalogue.update_settings(session, actor=actor, village_id=village_id, values={
        "points_per_hour": form_int(points_per_hour), "monthly_cap": form_int(monthly_cap),
        "dispatch_hours": form_int(dispatch_hours), "complete_days": form_int(complete_days),
        "rate_days": form_int(rate_days)})
    session.commit()
    return redirect_after_post(f"/service/board?village_id={village_id}&done=settings", htmx=htmx)


@router.post("/service/board/services")
def add_service(actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Annotated[Id, Form()],
                name: Annotated[str, Form()] = "", category: Annotated[str, Form()] = "",
                description: Annotated[str, Form()] = "", provider: Annotated[str, Form()] = "",
                standard_hours: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    catalogue.create_service(session, actor=actor, village_id=village_id, name=name, category=category,
                             description=description, provider=provider, standard_hours=form_hours(standard_hours),
                             level="village", idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/service/board?village_id={village_id}&done=service", htmx=htmx)


@router.post("/service/board/teams")
def add_team(actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Annotated[Id, Form()],
             name: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
             member_ids: Annotated[list[Id] | None, Form()] = None, form_key: Annotated[str, Form()] = "") -> Response:
    unit = catalogue.team_unit(session, actor=actor, village_id=village_id, org_id=None)
    catalogue.create_team(session, actor=actor, unit=unit, name=name, description=description,
                          member_ids=member_ids or [], idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/service/board?village_id={village_id}&done=team", htmx=htmx)


def _centre(session, actor: Actor) -> tuple[int, str, OrgUnit]:
    """The town admin's 所 (or the county admin's 中心): a village under it (whose menu shows its services), the
    level, the unit."""
    stations = own_stations(session, actor)
    if not stations:
        village_for(actor, None, ADMINS, refuse=NO_CENTRE)  # another's village: not found; one's own: refused
        raise Forbidden(NO_CENTRE)
    unit = stations[0]
    villages = sorted(villages_under(session, unit.id) & actor.villages(ADMINS))
    if not villages:
        raise Forbidden("辖区内还没有村，请先在人员管理里新建村")
    return villages[0], LEVEL_OF_KIND[unit.kind], unit


@router.get("/service/centre")
def centre(request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    """The township 所's (or county 中心's) own page: its board of orders (its services ordered in any village
    under it), its volunteers and teams, and the services it offers to every village under it."""
    village, level, unit = _centre(session, actor)
    services = [s for s in catalogue.menu(session, village_id=village) if s.org_id == unit.id]
    board = views.station_board(session, station_id=unit.id, now=utcnow())
    return render(request, "volunteer/centre.html", {
        "tab": "service", "unit": unit, "level": level, "levels": LEVEL_LABELS, "services": services,
        "categories": CATEGORIES, "hours": catalogue.hours, "done": BOARD_DONE.get(done, ""), "board": board,
        "labels": STATUS_LABELS, "villages": views.village_names(session, board),
        "teams": catalogue.list_teams(session, org_id=unit.id),
        "volunteers": catalogue.station_volunteers(session, org_id=unit.id)})


@router.post("/service/centre/teams")
def add_centre_team(actor: ActorDep, session: SessionDep, htmx: HtmxDep, name: Annotated[str, Form()] = "",
                    description: Annotated[str, Form()] = "", member_ids: Annotated[list[Id] | None, Form()] = None,
                    form_key: Annotated[str, Form()] = "") -> Response:
    _village, _level, unit = _centre(session, actor)
    catalogue.create_team(session, actor=actor, unit=unit, name=name, description=description,
                          member_ids=member_ids or [], idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post("/service/centre?done=team", htmx=htmx)


@router.post("/service/centre/services")
def add_centre_service(actor: ActorDep, session: SessionDep, htmx: HtmxDep, name: Annotated[str, Form()] = "",
                       category: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
                       provider: Annotated[str, Form()] = "", standard_hours: Annotated[str, Form()] = "",
                       form_key: Annotated[str, Form()] = "") -> Response:
    village, level, _unit = _centre(session, actor)
    catalogue.create_service(session, actor=actor, village_id=village, name=name, category=category,
                             description=description, provider=provider, standard_hours=form_hours(standard_hours),
                             level=level, idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post("/service/centre?done=service", htmx=htmx)


@router.get("/service/record")
def record(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """服务记录证明: the volunteer's confirmed services, dates and hours, to print."""
    return render(request, "volunteer/record.html", {
        "tab": "service", "record": views.volunteer_record(session, user_id=actor.id), "hours": catalogue.hours,
        "village": village_name(session, actor.first_village()), "today": utcnow()})


@router.get("/service/ratings")
def ratings(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> Response:
    switch = service_switch(session, actor, village_id)
    return render(request, "volunteer/ratings.html", {
        "tab": "service", "ratings": views.village_ratings(session, village_id=switch.village_id),
        "village": switch.name, "switch": switch})
