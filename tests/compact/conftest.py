"""Helpers for the 村规民约 tests: the demo village's compact (第 2 版 after its past amendment) and walking an
amendment's decision through its steps."""

from datetime import date

from sqlmodel import select

from app.compact import service
from app.disclosure import decisions as dec
from app.disclosure.models import Decision, Step
from app.org.models import OrgUnit

CHANGE = [(2, "孝老爱亲。子女每月按时给老人赡养费，不得虐待、遗弃老人。"), (9, "节约用水，不私接水管。")]
VOTES = {Step.review: (36, 30, (28, 1, 1)), Step.resolve: (45, 40, (35, 3, 2))}  # expected, attendance, votes


def village_id(session, name: str = "示范村") -> int:
    return session.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def record(session, actor, amendment, step: Step, *, resolve=None, key: str | None = None):
    """Record the amendment's decision's `step` (a vote as VOTES says, or `resolve` = (expected, attendance, votes))."""
    expected, attendance, votes = (resolve or VOTES[step]) if step in VOTES else (None, 5, (None, None, None))
    return dec.record_step(session, actor=actor, decision=session.get(Decision, amendment.decision_id), step=step,
                           held_on=date.today(), attendance=attendance, expected=expected, votes_for=votes[0],
                           votes_against=votes[1], votes_abstain=votes[2], idempotency_key=key)


def walk(session, actor, amendment, *, upto: Step, resolve=None) -> None:
    """Every step from the first up to and including `upto`."""
    for step in list(Step)[:list(Step).index(upto) + 1]:
        record(session, actor, amendment, step, resolve=resolve if step == Step.resolve else None)


def propose(session, actor, **kw):
    kw.setdefault("changes", CHANGE)
    return service.propose_amendment(session, actor=actor, village_id=village_id(session), reason="按新要求修订",
                                     **kw)
