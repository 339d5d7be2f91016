"""Finalising a 500-household evaluation round (issue #20, item 3): the time and the statements it takes.

    .venv/bin/python bench/finalize.py [--households 500] [--backends sqlite,postgresql] [--repeat 3]

Per backend and run: a fresh database (migrations, the demo world), `--households` more households in 示范村, a round
five months back scored for each of them (one item, 10 points; a tenth also on the black list) and published with no
notice, the village fund given enough; then `finalize_round` in-process, timed, with the statements it sent counted
(an executemany counts once) and the ledger checked after. Prints the median time and the statements per household.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, insert
from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from county import load, run  # noqa: E402
from redeem import backend_url, drop_backend  # noqa: E402

import app.domains  # noqa: E402,F401
import app.models  # noqa: E402,F401
from app.db import make_engine, session_for  # noqa: E402
from app.evaluation import service  # noqa: E402
from app.evaluation.models import Criterion, EvaluationRound, Score  # noqa: E402
from app.ledger import funds  # noqa: E402
from app.ledger.accounts import open_household_accounts  # noqa: E402
from app.ledger.check import check_ledger  # noqa: E402
from app.ledger.policy import set_bounds  # noqa: E402
from app.org.access import load_actor  # noqa: E402
from app.org.models import Household, OrgUnit, User  # noqa: E402
from app.timeutil import shift_month, this_month, utcnow  # noqa: E402


def prepare(url: str, households: int) -> int:
    """A published round of `households` new households of 示范村, due to be finalised: its id."""
    run(["-m", "alembic", "upgrade", "head"], url)
    run(["-m", "app", "seed-demo"], url)
    engine = make_engine(url)
    with session_for(engine, write=True) as s:
        official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        member = load_actor(s, s.exec(select(User).where(User.phone == "13800000005")).one())
        town = load_actor(s, s.exec(select(User).where(User.phone == "13800000006")).one())
        village = s.exec(select(OrgUnit).where(OrgUnit.name == "示范村")).one()
        top = s.exec(select(OrgUnit).where(OrgUnit.kind == "county")).one()
        now = utcnow()
        rows = [{"village_id": village.id, "head_name": f"测试户{i}", "address": "", "created_at": now}
                for i in range(households)]
        s.execute(insert(Household), rows)
        homes = s.exec(select(Household.id, Household.head_name).where(
            Household.village_id == village.id, Household.head_name.startswith("测试户"))).all()
        open_household_accounts(s, village_id=village.id, households=[(h, n) for h, n in homes])
        points = 20 * households
        funds.post_entry(s, entry=funds.check_budget(org=top, year=now.year, points=points, yuan=points, note="测试"),
                         actor_id=None, idempotency_key=None)
        funds.post_entry(s, entry=funds.check_allocation(source=top, target=village, points=points, yuan=points,
                                                         note="测试拨付"), actor_id=None, idempotency_key=None)
        set_bounds(s, actor=town, village_id=village.id, min_notice_days=0)
        evaluation = service.open_round(s, actor=town, village_id=village.id,
                                        month=shift_month(this_month(), -5), latest=this_month(),
                                        idempotency_key=None)
        good = s.exec(select(Criterion).where(Criterion.village_id == village.id, Criterion.points > 0)).first()
        bad = s.exec(select(Criterion).where(Criterion.village_id == village.id, Criterion.list_kind == "black")
                     ).first()
        # The scores in bulk (saving 500 one by one is not what is measured), then published as the page does.
        s.execute(insert(Score), [{"round_id": evaluation.id, "village_id": village.id, "household_id": h,
                                   "criterion_id": c.id, "points": p, "reason": "好", "member_id": member.user.id,
                                   "created_at": now, "updated_at": now}
                                  for c, p, chosen in ((good, min(good.points, 10), homes), (bad, 0, homes[::10]))
                                  for h, _ in chosen])
        service.publish_round(s, actor=official, evaluation=evaluation, notice_days=0)
        s.commit()
        round_id = evaluation.id
    engine.dispose()
    return round_id


def finalize(url: str, round_id: int) -> tuple[float, int, int]:
    """Seconds, statements, households credited."""
    engine = make_engine(url)
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
    with session_for(engine, write=True) as s:
        actor = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        evaluation = s.get(EvaluationRound, round_id)
        statements[0] = 0
        started = time.perf_counter()
        service.finalize_round(s, actor=actor, evaluation=evaluation)
        s.commit()
        seconds = time.perf_counter() - started
        counted = statements[0]
    with session_for(engine, write=False) as s:
        from app.ledger.models import LedgerTransaction
        credited = len(s.exec(select(LedgerTransaction.id).where(LedgerTransaction.kind == "evaluation",
                                                                 LedgerTransaction.source_id == round_id)).all())
        problems = check_ledger(s)
        assert not problems, problems[:3]
    engine.dispose()
    return seconds, counted, credited


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name in args.backends.split(","):
        times, counts = [], []
        for _ in range(args.repeat):
            tmp = Path(tempfile.mkdtemp())
            url = backend_url(name, tmp)
            try:
                round_id = prepare(url, args.households)
                seconds, statements, credited = finalize(url, round_id)
                times.append(seconds)
                counts.append(statements)
                print(f"{name}: finalised {credited} credits in {seconds * 1000:.0f} ms, {statements} statements "
                      f"({statements / credited:.1f} per household)   {load()}", flush=True)
            finally:
                drop_backend(url)
                shutil.rmtree(tmp, ignore_errors=True)
        print(f"{name}: median {statistics.median(times) * 1000:.0f} ms, {statistics.median(counts):.0f} statements")


if __name__ == "__main__":
    main()
