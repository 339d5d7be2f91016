"""Pages at the counter: the villager's pay code (积分码) and the attendant's 收银台."""

import asyncio
import base64
import time
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import session_for
from app.deps import ActorDep, CodeFailuresDep, EngineDep, SecretDep, SessionDep, SettingsDep, WriteSessionDep
from app.errors import DomainError, Forbidden, TotalChanged, ValidationFailed
from app.htmx import render
from app.ids import AfterId, Id
from app.org.access import Actor, acting_household, own_household
from app.org.models import Household
from app.shop.access import is_staff, own_confirmation, staffed_shop
from app.shop.books.service import day_total
from app.shop.catalogue.basket import MAX_QUANTITY
from app.shop.catalogue.service import goods_public, list_goods, list_shops
from app.shop.picking import agreed_total
from app.shop.qr import qr_svg
from app.shop.redemption import confirmations, paycodes, service
from app.shop.redemption.receipts import receipt
from app.timeutil import as_utc, utcnow

router = APIRouter()
# What counter.js may accept, read from the page so that the script never copies the server's numbers.
COUNTER_LIMITS = {"pay_code_length": paycodes.PAY_CODE_LENGTH, "card_length": paycodes.CARD_LENGTH,
                  "max_quantity": MAX_QUANTITY}
CODE_REFRESH_SECONDS = 45  # well before the 60-second life of a code runs out
RECEIPT_POLL_SECONDS = 2
WAIT_CHECK_SECONDS = 1.0  # how often an open /pay/wait looks at the database (no connection held in between)
WAIT_MOST_SECONDS = 50  # the longest one /pay/wait lasts (under the 60 s a proxy usually allows)
STOP_POLLING = 286  # htmx stops polling an element whose answer has this status
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/pay")
def pay_page(request: Request, actor: ActorDep, session: WriteSessionDep, secret: SecretDep) -> Response:
    household = acting_household(session, actor)
    context: dict = {"tab": "home", "household": household}
    if household is not None:
        context |= {"balance": paycodes.payer_balance(session, household_id=household.id),
                    "after_id": service.latest_redemption_id(session, household_id=household.id),
                    "poll_seconds": RECEIPT_POLL_SECONDS, **_fresh_code(session, actor, household, secret=secret)}
        # The wait answers with questions newer than this: one still open when the page opens is among them.
        waiting = confirmations.pending_for_household(session, household_id=household.id)
        latest = confirmations.latest_id(session, household_id=household.id)
        context["seen_confirmation"] = min(c.id for c in waiting) - 1 if waiting else latest
    return render(request, "shop/pay/page.html", context, no_store=True)


@router.get("/pay/code")
def pay_code_partial(request: Request, actor: ActorDep, session: WriteSessionDep, secret: SecretDep) -> Response:
    household = own_household(session, actor)
    return _no_store(render(request, "shop/pay/_code.html", _fresh_code(session, actor, household, secret=secret)))


@router.get("/pay/receipts")
def pay_receipts(request: Request, actor: ActorDep, session: SessionDep, after_id: AfterId = 0) -> Response:
    """204 while nothing new; the newest receipt (and the end of polling) once the attendant has confirmed."""
    household = own_household(session, actor)
    found = service.household_redemptions_after(session, household_id=household.id, after_id=after_id)
    if not found:
        return Response(status_code=204, headers=NO_STORE)
    made = receipt(session, found[-1], reader=actor)
    return _no_store(render(request, "shop/pay/_receipt.html", {"receipt": made}, status_code=STOP_POLLING))


@router.get("/pay/wait")
async def pay_wait(request: Request, actor: ActorDep, engine: EngineDep, secret: SecretDep,
                   code_failures: CodeFailuresDep, after_id: AfterId = 0, code_id: AfterId = 0,
                   seen: AfterId = 0, until: Annotated[int, Query(ge=0, le=WAIT_MOST_SECONDS)] = 0) -> Response:
    """The open 积分码 screen waits here on one request instead of polling. It answers as soon as something
    happens — a receipt newer than `after_id` (X-Pay-Event: receipt), a question to confirm newer than `seen`
    (confirm), the code on screen (`code_id`) refused at a counter as used or expired (code: a fresh one) — or,
    `until` seconds on, when the code on screen is due to be replaced (code: a fresh one). The database (and the
    refused codes, app.state's limiter: kept in PostgreSQL when several server processes share it) is looked at
    once a second, with no connection held in between; a closed screen ends the wait."""
    household_id = actor.user.household_id
    if household_id is None:
        raise Forbidden("您的账号还没有关联农户")
    refused = code_failures.refused
    deadline = time.monotonic() + until
    while True:
        found = await run_in_threadpool(_news, engine, actor, household_id, after_id, seen)
        if found is not None:
            event, template, context = found
            return _event(render(request, template, context), event)
        # off the event loop: on PostgreSQL the refused codes are a read of the database
        if time.monotonic() >= deadline or (code_id and await run_in_threadpool(refused.__contains__, str(code_id))):
            context = await run_in_threadpool(_fresh_code_alone, engine, actor, secret)
            return _event(render(request, "shop/pay/_code.html", context), "code")
        if await request.is_disconnected():
            return Response(status_code=204, headers=NO_STORE)
        await asyncio.sleep(min(WAIT_CHECK_SECONDS, max(0.0, deadline - time.monotonic())))


@router.post("/pay/confirmations/{confirmation_id}")
def pay_confirm(confirmation_id: Id, request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep,
                decision: Annotated[str, Form()] = "", total_points: Annotated[str, Form()] = "") -> Response:
    """确认 (with the total the screen showed) or 拒绝 on the villager's screen: the receipt (X-Pay-Event: receipt),
    what became of the question (ended), or — another total than the one shown — the question again (409, confirm)."""
    row = own_confirmation(session, actor, confirmation_id)
    try:
        agreed = agreed_total(total_points) if decision == "confirm" else None
        outcome = confirmations.decide(session, actor=actor, row=row, decision=decision,
                                       secret=secret, total_points=agreed)
    except (TotalChanged, ValidationFailed) as exc:
        session.rollback()
        if isinstance(exc, TotalChanged) or exc.field == "total_points":
            return _ask_again(request, session, actor, row, exc.message)
        return _event(render(request, "shop/pay/_answered.html", {"message": exc.message, "ok": False}), "ended")
    except DomainError as exc:  # it had ended (refused, timed out, cancelled): say so, back to the code
        session.rollback()
        return _event(render(request, "shop/pay/_answered.html", {"message": exc.message, "ok": False}), "ended")
    session.commit()
    public = outcome.confirmation
    if public.redemption is not None:
        return _event(render(request, "shop/pay/_receipt.html", {"receipt": public.redemption}), "receipt")
    if outcome.error is not None:
        return _event(render(request, "shop/pay/_answered.html",
                             {"message": f"兑换没有成功：{outcome.error.message}", "ok": False}), "ended")
    return _event(render(request, "shop/pay/_answered.html",
                         {"message": "已拒绝，积分没有变动", "ok": True}), "ended")


@router.get("/counter")
def counter_page(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                 shop_id: Id | None = None) -> Response:
    if shop_id is not None:
        shop = staffed_shop(session, actor, shop_id)
    else:
        shops = [s for s in list_shops(session, actor=actor) if is_staff(session, actor, s)]
        if not shops:
            raise Forbidden("只有超市收银员可以使用收银台")
        if len(shops) > 1:
            return render(request, "shop/counter/choose.html", {"tab": "home", "shops": shops})
        shop = shops[0]
    goods = sorted(list_goods(session, shop=shop), key=lambda g: (g.stock <= 0, g.name, g.id))
    return render(request, "shop/counter/page.html", {
        "tab": "home", "shop": shop, "goods": [goods_public(g) for g in goods],
        "timezone": settings.timezone, "limits": COUNTER_LIMITS,
        "today": day_total(session, shop=shop, tz=settings.timezone)}, no_store=True)


@router.get("/counter/today")
def counter_today(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                  shop_id: Id) -> Response:
    """The counter's line 今日已兑换 N 笔 · M 积分, fetched again after each redemption at the counter."""
    shop = staffed_shop(session, actor, shop_id)
    return render(request, "shop/counter/_today.html",
                  {"shop": shop, "today": day_total(session, shop=shop, tz=settings.timezone)})


def _fresh_code(session: Session, actor: Actor, household: Household, *, secret: str) -> dict:
    """Issue a new pay code (committed: the attendant's scan must find it) and what the screen shows of it."""
    code, row = paycodes.issue_pay_code(session, user_id=actor.id, household=household, secret=secret)
    session.commit()
    ttl = max(0, int((as_utc(row.expires_at) - utcnow()).total_seconds()))
    return {"code": code, "code_id": row.id, "code_groups": " ".join(code[i:i + 4] for i in range(0, len(code), 4)),
            "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode(),
            "ttl": ttl, "refresh_seconds": min(CODE_REFRESH_SECONDS, max(ttl - 10, 1))}


def _news(engine, reader: Actor, household_id: int, after_id: int, seen: int) -> tuple[str, str, dict] | None:
    """A new receipt, else a new question to confirm, for the waiting screen (a short read of its own)."""
    with session_for(engine, write=False) as session:
        found = service.household_redemptions_after(session, household_id=household_id, after_id=after_id)
        if found:
            return "receipt", "shop/pay/_receipt.html", {"receipt": receipt(session, found[-1],
                                                                                     reader=reader)}
        waiting = [c for c in confirmations.pending_for_household(session, household_id=household_id) if c.id > seen]
        if waiting:
            question = confirmations.public(session, waiting[0], reader=reader)
            left = max(1, int((as_utc(question.expires_at) - utcnow()).total_seconds()))
            return "confirm", "shop/pay/_confirm.html", {"question": question, "seconds_left": left, "error": ""}
    return None


def _ask_again(request: Request, session: Session, actor: Actor, row, message: str) -> Response:
    """The question as it stands, with why the answer was not taken (nothing moved): the villager looks again."""
    session.refresh(row)
    question = confirmations.public(session, row, reader=actor)
    if question.status != "pending":
        return _event(render(request, "shop/pay/_answered.html", {"message": message, "ok": False}), "ended")
    left = max(1, int((as_utc(question.expires_at) - utcnow()).total_seconds()))
    return _event(render(request, "shop/pay/_confirm.html", {"question": question, "seconds_left": left,
                                                             "error": message}, status_code=409), "confirm")


def _fresh_code_alone(engine: Engine, actor: Actor, secret: str) -> dict:
    with session_for(engine, write=True) as session:
        household = own_household(session, actor)
        return _fresh_code(session, actor, household, secret=secret)


def _event(response: Response, event: str) -> Response:
    response.headers["X-Pay-Event"] = event
    return _no_store(response)


def _no_store(response: Response) -> Response:
    response.headers.update(NO_STORE)
    return response
