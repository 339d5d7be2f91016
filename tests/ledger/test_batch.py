"""credit_households (a round's credits in one batch, issue #20 item 3): once per scope and household whoever came
first — credit_household with the same key, or an earlier batch — under the one policy (the proposer's own household
waits, 回避), on both databases (the keys' uniqueness is the engine's)."""

import pytest
from sqlmodel import select

from app.db import session_for
from app.errors import IdempotencyConflict
from app.ledger.models import AwardRequest, LedgerTransaction, TxnKind
from app.ledger.service import Credit, Once, Source, credit_household, credit_households
from app.org.models import Household, OrgUnit, User


@pytest.mark.postgres
def test_a_batch_credits_each_household_once_and_answers_repeats_with_the_first_outcome(demo_engine):
    source, scope = Source(TxnKind.evaluation, 9001), "evaluation:9001"
    with session_for(demo_engine, write=True) as s:
        village = s.exec(select(OrgUnit.id).where(OrgUnit.name == "示范村")).one()
        homes = list(s.exec(select(Household).where(Household.village_id == village).order_by(Household.id)))[:3]
        official = s.exec(select(User).where(User.phone == "13800000001")).one()
        credits = [Credit(household=h, points=5 + i, reason="评比", category="law") for i, h in enumerate(homes)]
        # The first household was credited alone before, under the same key (as finalising did until now).
        alone = credit_household(s, household=homes[0], points=5, reason="评比", category="law", source=source,
                                 actor_id=official.id, once=Once(scope=scope, key=str(homes[0].id)))
        first = credit_households(s, village_id=village, credits=credits, source=source, actor_id=official.id,
                                  scope=scope)
        s.commit()
        again = credit_households(s, village_id=village, credits=credits, source=source, actor_id=official.id,
                                  scope=scope)
        s.commit()
        assert first == again and first[homes[0].id] == alone
        own = official.household_id
        for h in homes:
            assert first[h.id].status == ("pending" if h.id == own else "posted")
        posted = s.exec(select(LedgerTransaction.id).where(LedgerTransaction.kind == TxnKind.evaluation,
                                                           LedgerTransaction.source_id == 9001)).all()
        assert len(posted) == sum(1 for h in homes if h.id != own)
        assert len(s.exec(select(AwardRequest.id).where(AwardRequest.source_id == 9001)).all()) == 3
        changed = [Credit(household=homes[1], points=99, reason="评比", category="law")]
        with pytest.raises(IdempotencyConflict):
            credit_households(s, village_id=village, credits=changed, source=source, actor_id=official.id,
                              scope=scope)
