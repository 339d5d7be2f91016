"""Pages: a fund (积分资金) — its figures and records, and by role the forms for 本级配套, 拨付, 社会捐赠 and a
village's rate. Each form is checked, then shown back for confirmation, then posted once (its form key)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import Forbidden, InsufficientPoints, ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.ledger import funds
from app.ledger.fund_models import FUND_RECORD_LABELS
from app.org.access import (
    OFFICIALS,
    allocation_units,
    fund_unit,
    kept_fund_unit,
    may_allocate_from,
    may_keep_fund,
    own_fund_unit,
    rate_village,
)
from app.org.models import OrgKind, OrgUnit
from app.timeutil import local, utcnow

router = APIRouter()
DONE = {"budget": "本级配套已登记", "allocation": "已拨付", "donation": "社会捐赠已登记", "rate": "积分折合金额已保存"}
Text = Annotated[str, Form()]


@router.get("/funds")
def my_fund(actor: ActorDep, session: SessionDep) -> Response:
    """The fund of the highest level the actor keeps (the county admin's county, a town admin's township …)."""
    return RedirectResponse(f"/funds/{own_fund_unit(session, actor).id}", status_code=303)


@router.get("/funds/{org_id}")
def fund_page(request: Request, org_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
              done: str = "", cursor: str | None = None) -> Response:
    return _page(request, session, actor, fund_unit(session, actor, org_id), done=DONE.get(done, ""), cursor=cursor)


@router.post("/funds/{org_id}/budgets")
def book_budget(request: Request, org_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                year: Text = "", points: Text = "", yuan: Text = "", note: Text = "", form_key: Text = "",
                confirmed: Text = "") -> Response:
    unit = kept_fund_unit(session, actor, org_id)
    typed = {"year": year, "points": points, "yuan": yuan, "note": note}
    return _post(request, session, actor, unit, htmx, form="budget", typed=typed, form_key=form_key,
                 confirmed=confirmed, check=lambda: funds.check_budget(
                     org=unit, year=form_int(year), points=form_int(points), yuan=yuan, note=note))


@router.post("/funds/{org_id}/allocations")
def allocate(request: Request, org_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
             to_org_id: Text = "", points: Text = "", yuan: Text = "", note: Text = "", form_key: Text = "",
             confirmed: Text = "") -> Response:
    unit = fund_unit(session, actor, org_id)
    typed = {"to_org_id": to_org_id, "points": points, "yuan": yuan, "note": note}

    def check() -> funds.Entry:
        target_id = form_int(to_org_id)
        if target_id <= 0:
            raise ValidationFailed("请选择拨付给哪个乡镇或村", field="to_org_id")
        source, target = allocation_units(session, actor, from_id=unit.id, to_id=target_id)
        return funds.check_allocation(source=source, target=target, points=form_int(points), yuan=yuan, note=note)

    return _post(request, session, actor, unit, htmx, form="allocation", typed=typed, form_key=form_key,
                 confirmed=confirmed, check=check)


@router.post("/funds/{org_id}/donations")
def donate(request: Request, org_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           donor: Text = "", points: Text = "", yuan: Text = "", note: Text = "", form_key: Text = "",
           confirmed: Text = "") -> Response:
    unit = kept_fund_unit(session, actor, org_id)
    typed = {"donor": donor, "points": points, "yuan": yuan, "note": note}
    return _post(request, session, actor, unit, htmx, form="donation", typed=typed, form_key=form_key,
                 confirmed=confirmed, check=lambda: funds.check_donation(
                     org=unit, donor=donor, points=form_int(points), yuan=yuan, note=note))


@router.post("/funds/{org_id}/rate")
def set_rate(request: Request, org_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
             yuan_per_point: Text = "") -> Response:
    unit = fund_unit(session, actor, org_id)
    if unit.kind != OrgKind.village:
        raise Forbidden("积分折合金额由村干部设置")
    rate_village(actor, unit.id)
    try:
        fen = funds.parse_yuan(yuan_per_point, required=True)
        funds.set_fen_per_point(session, actor=actor, village_id=unit.id, fen=fen)
    except ValidationFailed as exc:
        session.rollback()
        return _page(request, session, actor, unit, errors={"rate": exc.message}, typed={"rate": yuan_per_point},
                     status_code=422)
    session.commit()
    return redirect_after_post(f"/funds/{unit.id}?done=rate", htmx=htmx)


def _post(request: Request, session: SessionDep, actor: ActorDep, unit: OrgUnit, htmx: HtmxDep, *, form: str,
          typed: dict[str, str], form_key: str, confirmed: str, check: Any) -> Response:
    """Check what was typed; show it back to confirm; once confirmed, post it (once per form key). 返回修改 draws
    the form again with what was typed."""
    if confirmed == "edit":
        return _page(request, session, actor, unit, typed=typed, open_form=form)
    try:
        entry = check()
        if confirmed != "1":
            return _page(request, session, actor, unit, typed=typed, review=_review(form, entry, form_key, typed))
        funds.post_entry(session, entry=entry, actor_id=actor.id, idempotency_key=form_key or None)
    except (ValidationFailed, InsufficientPoints) as exc:
        session.rollback()
        return _page(request, session, actor, unit, typed=typed, errors={form: exc.message},
                     status_code=exc.status_code)
    session.commit()
    return redirect_after_post(f"/funds/{unit.id}?done={form}", htmx=htmx)


def _review(form: str, entry: funds.Entry, form_key: str, typed: dict[str, str]) -> dict:
    """What the confirmation card shows, and the form that posts it for real."""
    lines = [("类型", FUND_RECORD_LABELS[entry.kind])]
    if entry.source is not None:
        lines += [("从", f"{entry.source.name}积分资金"), ("拨付给", entry.org.name)]
    if entry.donor:
        lines.append(("捐赠人", entry.donor))
    lines += [("年度", f"{entry.year}年"), ("积分", f"{entry.points:,} 分"),
              ("金额", f"{funds.yuan_display(entry.yuan_fen)} 元" if entry.yuan_fen is not None else "未填")]
    if entry.note:
        lines.append(("备注", entry.note))
    return {"form": form, "lines": lines, "fields": {**typed, "form_key": form_key}}


def _page(request: Request, session: SessionDep, actor: ActorDep, unit: OrgUnit, *, done: str = "",
          cursor: str | None = None, typed: dict | None = None, errors: dict | None = None,
          review: dict | None = None, open_form: str = "", status_code: int = 200) -> Response:
    """The fund's page; after a form (a confirmation to give, a refusal to show) it stays at the page's own address:
    a boosted form's POST address must not land in the history, where going back would GET it."""
    page = funds.fund_records(session, org=unit, limit=20, cursor=cursor)
    is_village = unit.kind == OrgKind.village
    below = [] if is_village else funds.allocation_targets(session, org=unit)
    response = render(request, "ledger/fund.html", {
        "tab": "home", "unit": unit, "figures": funds.fund_figures(session, org=unit), "records": page.items,
        "next_cursor": page.next_cursor, "done": done, "typed": typed or {}, "errors": errors or {},
        "review": review, "labels": FUND_RECORD_LABELS,
        "can_keep": may_keep_fund(session, actor, unit),
        "targets": below if may_allocate_from(session, actor, unit) else [],
        "below": below, "below_balances": funds.fund_balances(session, units=below),
        "rate_fen": funds.fen_per_point(session, village_id=unit.id) if is_village else None,
        "can_rate": is_village and actor.can(unit.id, OFFICIALS), "yuan_text": funds.yuan_display,
        "now_year": local(utcnow()).year, "open_form": open_form},
        status_code=status_code)
    if request.method == "POST":
        response.headers["HX-Push-Url"] = "false"
    return response
