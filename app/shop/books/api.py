"""The books' JSON API: a shop's redemptions and its monthly settlement."""

from fastapi import APIRouter

from app.deps import ActorDep, SessionDep, SettingsDep
from app.ids import Id
from app.ledger.funds import yuan_text
from app.shop.access import overseen_shop
from app.shop.books import service
from app.shop.redemption.receipts import receipts

router = APIRouter(tags=["shop"])


@router.get("/shops/{shop_id}/redemptions")
def shop_redemptions(shop_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                     cursor: str | None = None) -> dict:
    shop = overseen_shop(session, actor, shop_id)
    page = service.shop_redemptions(session, shop=shop, limit=limit, cursor=cursor)
    return {"items": receipts(session, [r for (r,) in page.items], reader=actor), "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/settlements/{month}")
def settlement(shop_id: Id, month: str, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> dict:
    shop = overseen_shop(session, actor, shop_id)
    result = service.monthly_settlement(session, shop=shop, month=month, tz=settings.timezone)
    return {"shop_id": shop.id, "month": month, "total_points": result.total_points,
            "redemptions": result.redemptions, "rows": [vars(r) for r in result.rows],
            "fen_per_point": result.fen_per_point, "total_yuan_fen": result.total_fen,
            "total_yuan": yuan_text(result.total_fen)}
