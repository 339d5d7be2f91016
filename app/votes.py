"""The one rule of a vote at a meeting (quorum, then majority), shared by the 四议两公开 tracker
(app/disclosure/decisions.py) and the four councils (app/councils): a body's `Meeting` says the share of its members
that must attend; `tally` checks the counts and says what they decided."""

from dataclasses import dataclass
from enum import StrEnum

from app.errors import ValidationFailed
from app.ids import int_within

MAX_COUNT = 100_000


class Outcome(StrEnum):
    """How a vote ended. Only `passed` decides something; the others are recorded and decide nothing."""

    passed = "passed"
    rejected = "rejected"  # fewer than half of those present voted for
    no_quorum = "no_quorum"  # too few attended for the meeting to decide anything


OUTCOME_LABELS = {Outcome.passed: "通过", Outcome.rejected: "未通过", Outcome.no_quorum: "不足法定人数"}


@dataclass(frozen=True)
class Meeting:
    """The body that votes, and the share of its members that must attend (at least `quorum`)."""

    name: str
    quorum: tuple[int, int]  # (numerator, denominator): attendance / expected must reach it
    rule: str

    def outcome(self, *, attendance: int, expected: int, votes_for: int | None) -> Outcome:
        """Quorum first (a meeting without one decides nothing), then more than half of those present for."""
        num, den = self.quorum
        if attendance * den < expected * num:
            return Outcome.no_quorum
        if votes_for is None or votes_for * 2 <= attendance:
            return Outcome.rejected
        return Outcome.passed


def count(value: int | None, label: str, *, required: bool) -> int | None:
    """A head count or a number of votes: a whole number from 0 to MAX_COUNT (None where not required)."""
    if value is None:
        if required:
            raise ValidationFailed(f"请填写{label}", field=label)
        return None
    if not int_within(value, 0, MAX_COUNT):
        raise ValidationFailed(f"{label}应为 0 到 {MAX_COUNT} 之间的整数")
    return value


def tally(meeting: Meeting, *, attendance: int, expected: int, votes: list[int | None]
          ) -> tuple[list[int | None], Outcome]:
    """The votes (for, against, abstain) as recorded and what they decided; counts that cannot be are refused."""
    votes = [count(v, label, required=False) for v, label in zip(votes, ("赞成票", "反对票", "弃权票"), strict=True)]
    outcome = meeting.outcome(attendance=attendance, expected=expected, votes_for=votes[0])
    if outcome is not Outcome.no_quorum and None in votes:  # without a quorum no vote is taken
        raise ValidationFailed("请填写赞成、反对和弃权票数", field="votes_for")
    if sum(v or 0 for v in votes) > attendance:
        raise ValidationFailed("票数之和不能多于到会人数", field="votes_for")
    return votes, outcome
