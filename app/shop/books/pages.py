"""Shop pages by area — the books: redemptions (and their reversal) and the monthly settlement with its Excel sheet."""

from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import ActorDep, HtmxDep, SessionDep, SettingsDep
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.ledger.funds import yuan_display
from app.org.access import OFFICIALS
from app.org.service import village_name
from app.shop.access import overseen_shop, visible_redemption
from app.shop.books.export import month_label, settlement_workbook
from app.shop.books.service import monthly_settlement, shop_redemptions
from app.shop.picking import DONE, pick_shop, tab_for
from app.shop.redemption.receipts import receipts
from app.shop.redemption.service import reverse_redemption
from app.timeutil import shift_month, this_month

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the books: redemptions and the monthly settlement -------------------------------------------------------

@router.get("/shop/redemptions")
def redemptions(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, shop_id: Id | None = None,
                done: str = "", cursor: str | None = None) -> Response:
    shop, shops = pick_shop(session, actor, shop_id, overseen_shop)
    page = shop_redemptions(session, shop=shop, limit=20, cursor=cursor)
    rows = receipts(session, [r for (r,) in page.items], reader=actor)
    return render(request, "shop/redemptions.html", {
        "tab": tab_for(actor), "shop": shop, "shops": shops, "rows": rows,
        "next_cursor": page.next_cursor, "can_reverse": actor.can(shop.village_id, OFFICIALS),
        "done": DONE.get(done, "")}, htmx=htmx, partial="shop/_redemption_rows.html")


@router.post("/shop/redemptions/{redemption_id}/reverse")
def reverse(redemption_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            reason: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    redemption = visible_redemption(session, actor, redemption_id)
    reverse_redemption(session, actor=actor, redemption=redemption, reason=reason,
                       idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/shop/redemptions?shop_id={redemption.shop_id}&done=reverse", htmx=htmx)


def _month_choices(now: str, chosen: str) -> list[tuple[str, str]]:
    """The last two years for the month picker (and the chosen month, if older), newest first, in Chinese."""
    months = {shift_month(now, -i) for i in range(24)} | {chosen}
    return [(m, month_label(m)) for m in sorted(months, reverse=True)]


@router.get("/shop/settlement")
def settlement(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
               shop_id: Id | None = None, month: str = "") -> Response:
    shop, shops = pick_shop(session, actor, shop_id, overseen_shop)
    now = this_month(settings.timezone)
    result = monthly_settlement(session, shop=shop, month=month or now, tz=settings.timezone)
    return render(request, "shop/settlement.html", {
        "tab": tab_for(actor), "shop": shop, "shops": shops, "result": result, "label": month_label(result.month),
        "yuan_text": yuan_display,
        "months": _month_choices(now, result.month), "prev": shift_month(result.month, -1),
        "next": shift_month(result.month, 1) if result.month < now else None})


@router.get("/shop/settlement.xlsx")
def settlement_xlsx(actor: ActorDep, session: SessionDep, settings: SettingsDep, shop_id: Id,
                    month: str = "") -> Response:
    shop = overseen_shop(session, actor, shop_id)
    result = monthly_settlement(session, shop=shop, month=month or this_month(settings.timezone),
                                tz=settings.timezone)
    data = settlement_workbook(shop_name=shop.name, village_name=village_name(session, shop.village_id),
                               month=result.month, rows=result.rows, redemptions=result.redemptions,
                               fen_per_point=result.fen_per_point,
                               generated_at=datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M"))
    filename = f"{shop.name}{month_label(result.month)}积分结算单.xlsx"
    disposition = (f'attachment; filename="settlement-{result.month}.xlsx"; '
                   f"filename*=UTF-8''{quote(filename, safe='')}")
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})
