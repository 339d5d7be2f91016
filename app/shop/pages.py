"""Shop pages: goods for villagers; catalogue, stock, redemptions, settlement and household cards for staff."""

import base64
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session, select

from app.deps import ActorDep, HtmxDep, SessionDep, SettingsDep
from app.errors import DomainError, NotFound, ValidationFailed
from app.htmx import redirect_after_post, render
from app.ledger.service import household_account
from app.org.access import Actor, managed_household
from app.org.models import Role, User
from app.org.service import village_name
from app.shop import goods as catalogue
from app.shop import paycodes, service
from app.shop.access import managed_shop, overseen_shop, visible_shop
from app.shop.export import month_label, settlement_workbook
from app.shop.images import MAX_UPLOAD_BYTES
from app.shop.models import MOVEMENT_LABELS, Goods, Shop
from app.shop.qr import qr_svg
from app.shop.settlement import monthly_settlement

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DONE = {"create": "商品已上架，可以拍张照片", "edit": "已保存", "on": "已恢复兑换", "off": "已暂停兑换",
        "photo": "照片已更新", "stock": "库存已更新", "reverse": "已撤销该笔兑换，积分和库存已退回",
        "revoke": "该积分卡已作废", "issue": "积分卡已发出，请把卡交给村民"}
ShopAccess = Callable[[Session, Actor, int], Shop]


def _pick_shop(session: Session, actor: Actor, shop_id: int | None, access: ShopAccess) -> tuple[Shop, list[Shop]]:
    """The shop asked for (else the first one the actor may use this way) and all shops to switch between."""
    shops = catalogue.list_shops(session, actor=actor)
    allowed = [s for s in shops if _allows(session, actor, s, access)]
    if shop_id is not None:
        return access(session, actor, shop_id), allowed
    if not allowed:
        if shops:
            access(session, actor, shops[0].id)  # raises the refusal that explains why
        raise NotFound("本村还没有开设积分超市")
    return allowed[0], allowed


def _allows(session: Session, actor: Actor, shop: Shop, access: ShopAccess) -> bool:
    try:
        access(session, actor, shop.id)
    except DomainError:
        return False
    return True


def _managed_goods(session: Session, actor: Actor, goods_id: int) -> tuple[Shop, Goods]:
    goods = session.get(Goods, goods_id)
    if goods is None:
        raise NotFound("找不到该商品")
    shop = managed_shop(session, actor, goods.shop_id)
    return shop, catalogue.shop_goods(session, shop=shop, goods_id=goods_id)


def _int(value: str, *, blank: int | None = None) -> int:
    """Form text to an integer; blank gives `blank`, anything else -1 so the service refuses it in its own words."""
    value = (value or "").strip()
    if not value and blank is not None:
        return blank
    try:
        return int(value)
    except ValueError:
        return -1


def _tab(actor: Actor) -> str:
    return "admin" if actor.has_role(Role.official) else "home"


# --- villagers: what the shop has ----------------------------------------------------------------------------

@router.get("/shop")
def browse(request: Request, actor: ActorDep, session: SessionDep, shop_id: int | None = None) -> Response:
    shop, shops = _pick_shop(session, actor, shop_id, visible_shop)
    goods = sorted(catalogue.list_goods(session, shop=shop), key=lambda g: g.stock <= 0)
    hid = actor.user.household_id
    balance = household_account(session, household_id=hid).balance if hid else None
    return render(request, "shop/browse.html", {"tab": "home", "shop": shop, "shops": shops, "balance": balance,
                                                "goods": [catalogue.goods_public(g) for g in goods]})


# --- staff: catalogue and stock ------------------------------------------------------------------------------

@router.get("/shop/manage")
def manage(request: Request, actor: ActorDep, session: SessionDep, shop_id: int | None = None) -> Response:
    shop, shops = _pick_shop(session, actor, shop_id, managed_shop)
    goods = catalogue.list_goods(session, shop=shop, include_inactive=True)
    return render(request, "shop/manage.html", {"tab": _tab(actor), "shop": shop, "shops": shops,
                                                "low": catalogue.low_stock(session, shop=shop), "goods": goods})


@router.post("/shop/manage/goods")
def create_goods(actor: ActorDep, session: SessionDep, htmx: HtmxDep, shop_id: Annotated[int, Form()],
                 name: Annotated[str, Form()] = "", points_price: Annotated[str, Form()] = "",
                 stock: Annotated[str, Form()] = "", low_stock_threshold: Annotated[str, Form()] = "") -> Response:
    shop = managed_shop(session, actor, shop_id)
    goods = catalogue.create_goods(session, actor=actor, shop=shop, name=name, points_price=_int(points_price),
                                   stock=_int(stock, blank=0), low_stock_threshold=_int(low_stock_threshold, blank=5))
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods.id}?done=create", htmx=htmx)


@router.get("/shop/manage/goods/{goods_id}")
def goods_detail(goods_id: int, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                 done: str = "", cursor: str | None = None) -> Response:
    shop, goods = _managed_goods(session, actor, goods_id)
    page = catalogue.stock_history(session, goods=goods, limit=20, cursor=cursor)
    moves = [m for (m,) in page.items]
    ids = {m.actor_id for m in moves if m.actor_id}
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return render(request, "shop/goods.html", {
        "tab": _tab(actor), "shop": shop, "goods": goods, "photo": catalogue.goods_public(goods).image_url,
        "moves": moves, "names": names, "labels": MOVEMENT_LABELS, "next_cursor": page.next_cursor,
        "done": DONE.get(done, "")}, htmx=htmx, partial="shop/_moves.html")


@router.post("/shop/manage/goods/{goods_id}/edit")
def edit_goods(goods_id: int, actor: ActorDep, session: SessionDep, htmx: HtmxDep, name: Annotated[str, Form()] = "",
               points_price: Annotated[str, Form()] = "", low_stock_threshold: Annotated[str, Form()] = "") -> Response:
    shop, goods = _managed_goods(session, actor, goods_id)
    catalogue.update_goods(session, actor=actor, shop=shop, goods=goods, name=name, points_price=_int(points_price),
                           low_stock_threshold=_int(low_stock_threshold))
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done=edit", htmx=htmx)


@router.post("/shop/manage/goods/{goods_id}/active")
def switch_goods(goods_id: int, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                 active: Annotated[str, Form()] = "") -> Response:
    shop, goods = _managed_goods(session, actor, goods_id)
    catalogue.update_goods(session, actor=actor, shop=shop, goods=goods, active=active == "1")
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done={'on' if active == '1' else 'off'}", htmx=htmx)


@router.post("/shop/manage/goods/{goods_id}/photo")
def upload_photo(goods_id: int, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                 photo: Annotated[UploadFile | None, File()] = None) -> Response:
    shop, goods = _managed_goods(session, actor, goods_id)
    data = photo.file.read(MAX_UPLOAD_BYTES + 1) if photo is not None else b""
    catalogue.set_goods_photo(session, actor=actor, shop=shop, goods=goods, data=data)
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done=photo", htmx=htmx)


@router.post("/shop/manage/goods/{goods_id}/stock")
def change_stock(goods_id: int, actor: ActorDep, session: SessionDep, htmx: HtmxDep, kind: Annotated[str, Form()] = "",
                 quantity: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    shop, goods = _managed_goods(session, actor, goods_id)
    catalogue.change_stock(session, actor=actor, shop=shop, goods=goods, kind=kind, quantity=_int(quantity),
                           reason=reason)
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done=stock", htmx=htmx)


# --- the books: redemptions and the monthly settlement -------------------------------------------------------

@router.get("/shop/redemptions")
def redemptions(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, shop_id: int | None = None,
                done: str = "", cursor: str | None = None) -> Response:
    shop, shops = _pick_shop(session, actor, shop_id, overseen_shop)
    page = service.shop_redemptions(session, shop=shop, limit=20, cursor=cursor)
    return render(request, "shop/redemptions.html", {
        "tab": _tab(actor), "shop": shop, "shops": shops, "rows": [service.receipt(session, r) for (r,) in page.items],
        "next_cursor": page.next_cursor, "can_reverse": actor.can(shop.village_id, Role.official),
        "page_key": uuid.uuid4().hex, "done": DONE.get(done, "")}, htmx=htmx, partial="shop/_redemption_rows.html")


@router.post("/shop/redemptions/{redemption_id}/reverse")
def reverse(redemption_id: int, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            reason: Annotated[str, Form()] = "", idempotency_key: Annotated[str, Form()] = "") -> Response:
    redemption = service.visible_redemption(session, actor=actor, redemption_id=redemption_id)
    service.reverse_redemption(session, actor=actor, redemption=redemption, reason=reason,
                               idempotency_key=idempotency_key or None)
    session.commit()
    return redirect_after_post(f"/shop/redemptions?shop_id={redemption.shop_id}&done=reverse", htmx=htmx)


def _this_month(tz: str) -> str:
    return datetime.now(ZoneInfo(tz)).strftime("%Y-%m")


def _shift(month: str, by: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_choices(this_month: str, chosen: str) -> list[tuple[str, str]]:
    """The last two years for the month picker (and the chosen month, if older), newest first, in Chinese."""
    months = {_shift(this_month, -i) for i in range(24)} | {chosen}
    return [(m, month_label(m)) for m in sorted(months, reverse=True)]


@router.get("/shop/settlement")
def settlement(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
               shop_id: int | None = None, month: str = "") -> Response:
    shop, shops = _pick_shop(session, actor, shop_id, overseen_shop)
    this_month = _this_month(settings.timezone)
    result = monthly_settlement(session, shop=shop, month=month or this_month, tz=settings.timezone)
    return render(request, "shop/settlement.html", {
        "tab": _tab(actor), "shop": shop, "shops": shops, "result": result, "label": month_label(result.month),
        "months": _month_choices(this_month, result.month), "prev": _shift(result.month, -1),
        "next": _shift(result.month, 1) if result.month < this_month else None})


@router.get("/shop/settlement.xlsx")
def settlement_xlsx(actor: ActorDep, session: SessionDep, settings: SettingsDep, shop_id: int,
                    month: str = "") -> Response:
    shop = overseen_shop(session, actor, shop_id)
    result = monthly_settlement(session, shop=shop, month=month or _this_month(settings.timezone),
                                tz=settings.timezone)
    data = settlement_workbook(shop_name=shop.name, village_name=village_name(session, shop.village_id),
                               month=result.month, rows=result.rows, redemptions=result.redemptions,
                               generated_at=datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M"))
    filename = f"{shop.name}{month_label(result.month)}积分结算单.xlsx"
    disposition = (f'attachment; filename="settlement-{result.month}.xlsx"; '
                   f"filename*=UTF-8''{quote(filename, safe='')}")
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


# --- household cards for people without a smartphone --------------------------------------------------------

@router.get("/admin/households/{household_id}/card")
def card(household_id: int, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    household = managed_household(session, actor, household_id)
    return render(request, "shop/card.html", {"tab": "admin", "household": household, "done": DONE.get(done, ""),
                                              "cards": paycodes.active_cards(session, household_id=household.id)})


@router.post("/admin/households/{household_id}/card")
def issue_card(household_id: int, request: Request, actor: ActorDep, session: SessionDep,
               pin: Annotated[str, Form()] = "", pin_again: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    if pin.strip() != pin_again.strip():
        raise ValidationFailed("两次输入的卡密码不一致，请重新输入")
    code, issued = paycodes.issue_card(session, actor=actor, household=household, pin=pin,
                                       secret=request.app.state.secret)
    session.commit()
    qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode()
    return render(request, "shop/card_sheet.html", {"tab": "admin", "household": household, "code": code,
                                                    "card": issued, "qr": qr,
                                                    "village": village_name(session, household.village_id)})


@router.post("/admin/households/{household_id}/card/{card_id}/revoke")
def revoke_card(household_id: int, card_id: int, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                reason: Annotated[str, Form()] = "") -> Response:
    household = managed_household(session, actor, household_id)
    paycodes.revoke_card(session, actor=actor, household=household, card_id=card_id, reason=reason)
    session.commit()
    return redirect_after_post(f"/admin/households/{household_id}/card?done=revoke", htmx=htmx)
