"""婚丧事报备: a household files a wedding, a funeral or another occasion (date, place, tables, guests, cost, 礼金
per guest) and sees at once, line by line, whether it keeps within the village's published standards (移风易俗:
婚事新办、丧事简办、其他不办); the 红白理事会 (app/ceremonies/access.py `council_villages`) acknowledges it (备案)
with its advice and, after the day, records how it was held. Held within the standards, the household is credited
the village's points for it once, through the ledger's door (`credit_household`: its limits, 回避, a second person
above them). Nobody acknowledges or records their own household's filing, nor one they filed on its behalf."""

from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.ceremonies.access import ON_BEHALF, STANDARDS_WRITERS, council_villages, is_council
from app.ceremonies.models import (
    CEREMONY_TARGET,
    KIND_LABELS,
    MAX_NOTE,
    MAX_PLACE,
    STATUS_LABELS,
    Ceremony,
    CeremonyAction,
    CeremonyKind,
    CeremonyPublic,
    CeremonyStandards,
    CeremonyStatus,
    OverLine,
)
from app.councils.models import CouncilKind
from app.councils.service import member_ids
from app.errors import Forbidden, InvalidState, ValidationFailed
from app.idempotency import create_once
from app.ids import int_within
from app.inbox.models import MessageKind
from app.inbox.service import household_users, notify
from app.ledger.models import AwardRequest, Category, TxnKind
from app.ledger.policy import PENDING
from app.ledger.service import Once, Source, credit_household
from app.org.access import COMMITTEE, OFFICIALS, Actor, get_visible, own_household, require_may_decide_for
from app.org.models import Household, RoleAssignment
from app.org.settings import Rule, SettingsKind, declare_kind, read_settings, write_settings
from app.paging import Page, page_desc
from app.text import clean_text
from app.timeutil import TIMEZONE, local, utcnow

STANDARDS = declare_kind(SettingsKind(
    name="ceremony_standards", model=CeremonyStandards, writers=STANDARDS_WRITERS,
    forbidden="只有村干部可以修改红白事标准", label="修改红白事标准",
    rules={"max_tables": Rule(0, 100, "婚丧事酒席桌数上限"), "max_guests": Rule(0, 2000, "婚丧事宾客人数上限"),
           "max_cost": Rule(0, 1_000_000, "婚丧事花费上限（元）"),
           "max_gift": Rule(0, 10_000, "每位宾客礼金上限（元）"),
           "other_tables": Rule(0, 100, "其他事宜酒席桌数上限"), "points": Rule(0, 100, "按标准办结的积分")}))

RULE_WORDS = {"max_tables": "酒席桌数", "max_guests": "宾客人数", "max_cost": "花费（元）",
              "max_gift": "每人礼金（元）", "other_tables": "其他事宜不办酒席（桌数）"}
OWN_HOUSEHOLD = "按回避规定，自己家（或自己代为报备）的婚丧事由红白理事会的其他成员备案和记录"
NOT_COUNCIL = "只有红白理事会（村干部、评比委员）可以备案和记录婚丧事"
EARLIEST, LATEST = timedelta(days=30), timedelta(days=366)  # a filing's day: a month back (filed late) to a year on
MAX_TABLES, MAX_GUESTS, MAX_COST, MAX_GIFT = 500, 10_000, 10_000_000, 100_000


# --- the village's standards ------------------------------------------------------------------------------------

def standards(session: Session, *, village_id: int) -> CeremonyStandards:
    """The village's 红白事 standards: its own, or the defaults until an official sets them."""
    return read_settings(session, STANDARDS, village_id)


def set_standards(session: Session, *, actor: Actor, village_id: int, values: dict) -> CeremonyStandards:
    """An official sets some of the village's standards (the rest stay); one audit line says what changed."""
    return write_settings(session, actor=actor, kind=STANDARDS, village_id=village_id, values=values)


def over_lines(rules: CeremonyStandards, *, kind: str, tables: int, guests: int, cost: int,
               gift: int | None) -> list[OverLine]:
    """The standards a plan (or an outcome: no 礼金) goes past, each with its value and the limit."""
    checks = [("other_tables" if kind == CeremonyKind.other else "max_tables", tables),
              ("max_guests", guests), ("max_cost", cost)]
    if gift is not None:
        checks.append(("max_gift", gift))
    return [OverLine(rule=rule, label=RULE_WORDS[rule], value=value, limit=getattr(rules, rule))
            for rule, value in checks if value > getattr(rules, rule)]


def _encode(lines: list[OverLine]) -> str:
    return ",".join(f"{line.rule}:{line.value}:{line.limit}" for line in lines)


def _decode(text: str) -> list[OverLine]:
    lines = []
    for part in filter(None, text.split(",")):
        rule, value, limit = part.split(":")
        lines.append(OverLine(rule=rule, label=RULE_WORDS.get(rule, rule), value=int(value), limit=int(limit)))
    return lines


# --- reading ------------------------------------------------------------------------------------------------------

def household_filings(session: Session, *, household_id: int, limit: int | None = None,
                      cursor: str | None = None) -> Page:
    """The household's filings, newest first."""
    page = page_desc(session, select(Ceremony).where(Ceremony.household_id == household_id), Ceremony.id,
                     limit=limit, cursor=cursor)
    page.items = [row[0] for row in page.items]
    return page


def council_queue(session: Session, *, actor: Actor) -> list[Ceremony]:
    """What waits for the council in the actor's villages: to acknowledge, then the outcome; by the day held."""
    return list(session.exec(select(Ceremony).where(
        col(Ceremony.status).in_([CeremonyStatus.filed, CeremonyStatus.acknowledged]),
        col(Ceremony.village_id).in_(sorted(council_villages(session, actor))))
        .order_by(Ceremony.event_date, Ceremony.id)))


def council_done(session: Session, *, actor: Actor, limit: int = 10) -> list[Ceremony]:
    """The latest filings whose outcome was recorded, in the actor's villages."""
    return list(session.exec(select(Ceremony).where(
        Ceremony.status == CeremonyStatus.done, col(Ceremony.village_id).in_(sorted(council_villages(session, actor))))
        .order_by(col(Ceremony.recorded_at).desc(), col(Ceremony.id).desc()).limit(limit)))


def may_decide(session: Session, actor: Actor, filing: Ceremony) -> bool:
    """Whether the actor is offered 备案 / 记录结果 on this filing (the council, not its household nor its filer)."""
    return (filing.status != CeremonyStatus.done and is_council(session, actor, filing.village_id)
            and actor.user.household_id != filing.household_id and actor.id != filing.filed_by_id)


def credit_of(session: Session, filing: Ceremony) -> AwardRequest | None:
    return session.get(AwardRequest, filing.credit_request_id) if filing.credit_request_id else None


def filing_public(session: Session, filing: Ceremony) -> CeremonyPublic:
    credit = credit_of(session, filing)
    over = _decode(filing.over_at_filing)
    return CeremonyPublic(**filing.model_dump(exclude={"over_at_filing", "credit_request_id"}),
                          kind_label=KIND_LABELS[CeremonyKind(filing.kind)], within_standards=not over, over=over,
                          status_label=STATUS_LABELS[CeremonyStatus(filing.status)],
                          credit_status=credit.status if credit else None,
                          transaction_id=credit.transaction_id if credit else None)


def over_at_filing(filing: Ceremony) -> list[OverLine]:
    return _decode(filing.over_at_filing)


# --- filing -------------------------------------------------------------------------------------------------------

def today(now: datetime | None = None) -> date:
    return local(now or utcnow(), TIMEZONE).date()


def parse_day(value: str) -> date:
    """A filing's day, YYYY-MM-DD, from a month back to a year on (Asia/Shanghai)."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationFailed("请选择办事日期（年-月-日）", field="event_date") from None
    if not today() - EARLIEST <= day <= today() + LATEST:
        raise ValidationFailed("办事日期应在一个月前到一年之内", field="event_date")
    return day


def _number(value: object, high: int, label: str, field: str) -> int:
    if not int_within(value, 0, high):
        raise ValidationFailed(f"{label}应为 0 到 {high} 之间的整数", field=field)
    return value  # type: ignore[return-value]  (int_within: an int)


def _household_for(session: Session, actor: Actor, household_id: int | None) -> Household:
    """The family a filing is for: the actor's own, or — for an official — a household of their village (代为报备:
    the official is then involved, and another council member acknowledges it and records its outcome)."""
    if household_id is None or household_id == actor.user.household_id:
        return own_household(session, actor, "只有村民可以报备婚丧事；村干部代为报备请选择农户")
    return get_visible(session, actor, Household, household_id, roles=ON_BEHALF, missing="找不到该农户")


def file_ceremony(session: Session, *, actor: Actor, kind: str, event_date: str, place: str, tables: object,
                  guests: object, cost: object, gift_limit: object, note: str, household_id: int | None = None,
                  idempotency_key: str | None = None) -> Ceremony:
    """A household member (or the council on the family's behalf) files an occasion; it is checked against the
    village's standards at once (the lines it goes past are kept with it) and the council is told."""
    household = _household_for(session, actor, household_id)
    if kind not in set(CeremonyKind):
        raise ValidationFailed("请选择婚事、丧事或其他事宜", field="kind")
    day = parse_day(event_date)
    place = clean_text(place, label="办事地点", max_length=MAX_PLACE, field="place")
    note = clean_text(note, label="说明", max_length=MAX_NOTE, required=False, multiline=True, field="note")
    figures = {"tables": _number(tables, MAX_TABLES, "酒席桌数", "tables"),
               "guests": _number(guests, MAX_GUESTS, "宾客人数", "guests"),
               "cost": _number(cost, MAX_COST, "预计花费", "cost"),
               "gift_limit": _number(gift_limit, MAX_GIFT, "每人礼金", "gift_limit")}
    over = over_lines(standards(session, village_id=household.village_id), kind=kind, tables=figures["tables"],
                      guests=figures["guests"], cost=figures["cost"], gift=figures["gift_limit"])

    def action() -> Ceremony:
        filing = Ceremony(village_id=household.village_id, household_id=household.id, filed_by_id=actor.id,
                          kind=kind, event_date=day, place=place, note=note, over_at_filing=_encode(over), **figures)
        session.add(filing)
        session.flush()
        record_action(session, actor_id=actor.id, action=CeremonyAction.ceremony_file, village_id=filing.village_id,
                      target_type=CEREMONY_TARGET, target_id=filing.id, target_label=KIND_LABELS[CeremonyKind(kind)],
                      detail={"household_id": household.id, "event_date": day.isoformat(),
                              "over": [line.rule for line in over], **figures})
        notify(session, kind=MessageKind.ceremony, user_ids=_council_users(session, village_id=filing.village_id),
               skip=[actor.id, *household_users(session, household_id=household.id)], link=f"/ceremonies/{filing.id}",
               text=f"新的{KIND_LABELS[CeremonyKind(kind)]}报备待备案：{day.isoformat()}，{figures['tables']} 桌")
        return filing

    return create_once(session, scope=f"user:{actor.id}:ceremony", key=idempotency_key,
                       payload={"household_id": household.id, "kind": kind, "event_date": day.isoformat(),
                                "place": place, "note": note, **figures},
                       model=Ceremony, action=action)


def _council_users(session: Session, *, village_id: int) -> list[int]:
    """Who is told of a new filing: the village's officials, committee and 红白理事会 (as `council_villages` reads
    them)."""
    return sorted(set(session.exec(select(RoleAssignment.user_id).where(
        RoleAssignment.org_id == village_id, col(RoleAssignment.role).in_(sorted(OFFICIALS | COMMITTEE)))))
        | member_ids(session, village_id=village_id, kind=CouncilKind.ceremonies))


# --- the council ----------------------------------------------------------------------------------------------------

def _require_council(session: Session, actor: Actor, filing: Ceremony) -> None:
    if not is_council(session, actor, filing.village_id):
        raise Forbidden(NOT_COUNCIL)
    require_may_decide_for(actor, filing.household_id, involved=[filing.filed_by_id], message=OWN_HOUSEHOLD)


def _move(session: Session, filing: Ceremony, before: str, **values) -> bool:
    """Move the filing on from `before`; False when another step came first (the first one wins)."""
    moved = session.execute(update(Ceremony).where(col(Ceremony.id) == filing.id, col(Ceremony.status) == before)
                            .values(**values).execution_options(synchronize_session=False)).rowcount
    session.refresh(filing)
    return moved == 1


def acknowledge(session: Session, *, actor: Actor, filing: Ceremony, advice: str) -> Ceremony:
    """The council takes note of a filing (备案), with its advice for the family if any; again: the first answer."""
    _require_council(session, actor, filing)
    advice = clean_text(advice, label="建议", max_length=MAX_NOTE, required=False, multiline=True, field="advice")
    if not _move(session, filing, CeremonyStatus.filed, status=CeremonyStatus.acknowledged, advice=advice,
                 acknowledged_by_id=actor.id, acknowledged_at=utcnow()):
        return filing  # acknowledged already (or done): nothing more to do
    record_action(session, actor_id=actor.id, action=CeremonyAction.ceremony_acknowledge,
                  village_id=filing.village_id, target_type=CEREMONY_TARGET, target_id=filing.id,
                  target_label=KIND_LABELS[CeremonyKind(filing.kind)], reason=advice,
                  detail={"household_id": filing.household_id})
    words = f"，建议：{advice}" if advice else ""
    notify(session, kind=MessageKind.ceremony, household_id=filing.household_id, link=f"/ceremonies/{filing.id}",
           text=f"您家的{KIND_LABELS[CeremonyKind(filing.kind)]}报备已备案{words}"[:200])
    return filing


def record_outcome(session: Session, *, actor: Actor, filing: Ceremony, tables: object, guests: object,
                   cost: object, within: bool | None, note: str) -> Ceremony:
    """After the day, the council records how it was held: the actual tables, guests and cost, and whether it kept
    within the standards (as the figures say, or the council's word where something else went past them — never
    "within" with figures over). Within: the village's points credited once through the ledger's door."""
    _require_council(session, actor, filing)
    if filing.status == CeremonyStatus.done:
        return filing
    if filing.status != CeremonyStatus.acknowledged:
        raise InvalidState("请先备案，办完事后再记录结果")
    if filing.event_date > today():
        raise InvalidState(f"{filing.event_date.isoformat()} 办完事后再记录结果")
    actual = {"actual_tables": _number(tables, MAX_TABLES, "实际桌数", "tables"),
              "actual_guests": _number(guests, MAX_GUESTS, "实际宾客人数", "guests"),
              "actual_cost": _number(cost, MAX_COST, "实际花费", "cost")}
    note = clean_text(note, label="说明", max_length=MAX_NOTE, required=False, multiline=True, field="note")
    rules = standards(session, village_id=filing.village_id)
    over = over_lines(rules, kind=filing.kind, tables=actual["actual_tables"], guests=actual["actual_guests"],
                      cost=actual["actual_cost"], gift=None)
    if within and over:
        raise ValidationFailed("实际" + "、".join(f"{o.label} {o.value} 超过标准 {o.limit}" for o in over)
                               + "，不能记为按标准办理", field="within")
    held_within = not over if within is None else within
    points = rules.points if held_within else 0
    if not _move(session, filing, CeremonyStatus.acknowledged, status=CeremonyStatus.done, within=held_within,
                 outcome_note=note, recorded_by_id=actor.id, recorded_at=utcnow(), points=points, **actual):
        if filing.status == CeremonyStatus.done:
            return filing
        raise InvalidState("这条报备不能记录结果")
    outcome = None
    if points > 0:
        outcome = credit_household(session, household=session.get(Household, filing.household_id), points=points,
                                   reason=f"{KIND_LABELS[CeremonyKind(filing.kind)]}按标准办理（婚事新办、丧事简办）",
                                   category=Category.customs, source=Source(TxnKind.ceremony, filing.id),
                                   actor_id=actor.id, once=Once(f"ceremony:{filing.id}", "credit"))
        filing.credit_request_id = outcome.request_id
        session.add(filing)
        session.flush()
    record_action(session, actor_id=actor.id, action=CeremonyAction.ceremony_outcome, village_id=filing.village_id,
                  target_type=CEREMONY_TARGET, target_id=filing.id, target_label=KIND_LABELS[CeremonyKind(filing.kind)],
                  reason=note, detail={"household_id": filing.household_id, "within": held_within,
                                               "points": points, "over": [o.rule for o in over],
                                               "credit": outcome.status if outcome else None, **actual})
    notify(session, kind=MessageKind.ceremony, household_id=filing.household_id, link=f"/ceremonies/{filing.id}",
           text=_outcome_words(filing, outcome.status if outcome else None))
    return filing


def _outcome_words(filing: Ceremony, credit: str | None) -> str:
    what = KIND_LABELS[CeremonyKind(filing.kind)]
    if not filing.within:
        return f"您家的{what}已办结：未按标准办理，不记积分"
    if credit == PENDING:
        return f"您家的{what}按标准办理，+{filing.points} 分，超过村里限额，等另一位村干部批准后到账"
    return f"您家的{what}按标准办理，+{filing.points} 分已到账" if filing.points else f"您家的{what}按标准办理，已办结"
