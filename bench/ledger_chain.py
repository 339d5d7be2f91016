"""What the ledger's hash chain costs (issue #21 item 5): a village's month of N entries written through the ledger's
own writer (postings.post_transaction, one award of two legs per commit, as a route commits), timing the chaining
done at each commit (app/ledger/chain.py append: the head locked, the links written); then the month posted
(its Merkle root and 财务 disclosure), one proof read as GET /api/v1/public/ledger/books/{id}/proofs/{seq} builds
it, and check-ledger over the whole book.

    .venv/bin/python bench/ledger_chain.py [--entries 10000] [--backend sqlite|postgresql]
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel, select  # noqa: E402

import app.domains  # noqa: E402,F401
import app.models  # noqa: E402,F401
from app.db import make_engine, session_for  # noqa: E402
from app.demo import seed_demo_world  # noqa: E402
from app.ledger import chain  # noqa: E402
from app.ledger.accounts import household_account, village_fund  # noqa: E402
from app.ledger.check import check_ledger  # noqa: E402
from app.ledger.models import TxnKind  # noqa: E402
from app.ledger.postings import Leg, post_transaction  # noqa: E402
from app.org.models import Household, OrgUnit  # noqa: E402
from app.timeutil import utcnow  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/zf_bench_chain"


def engine_for(backend: str):
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tempfile.mkdtemp()}/chain.db")
    admin = make_engine("postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS zf_bench_chain WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE zf_bench_chain"))
    admin.dispose()
    return make_engine(PG)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    engine = engine_for(args.backend)
    SQLModel.metadata.create_all(engine)
    with session_for(engine, write=True) as s:
        seed_demo_world(s)
        s.commit()
        village = s.exec(select(OrgUnit).where(OrgUnit.name == "示范村")).one()
        households = s.exec(select(Household).where(Household.village_id == village.id)).all()
    spent: list[float] = []
    real_append = chain.append

    def timed_append(session, *, transaction_ids):
        began = time.perf_counter()
        real_append(session, transaction_ids=transaction_ids)
        spent.append(time.perf_counter() - began)

    chain.append = timed_append
    began = time.perf_counter()
    with session_for(engine, write=True) as s:
        fund = village_fund(s, village_id=village.id)
        accounts = [household_account(s, household_id=h.id) for h in households]
        for i in range(args.entries // 2):
            post_transaction(s, kind=TxnKind.award, reason="bench", actor_id=None,
                             legs=[Leg(fund, -1), Leg(accounts[i % len(accounts)], 1)])
            s.commit()
    total = time.perf_counter() - began
    chain.append = real_append
    ms = sorted(x * 1000 for x in spent)
    print(f"{args.backend}: {len(ms)} commits of 2 entries in {total:.1f} s; chaining at commit: "
          f"median {statistics.median(ms):.2f} ms, p99 {ms[int(len(ms) * 0.99)]:.2f} ms "
          f"({sum(ms) / 1000 / total:.0%} of the writing time)")
    with session_for(engine, write=True) as s:
        began = time.perf_counter()
        posted = chain.post_due_roots(s, now=utcnow() + timedelta(days=40))
        s.commit()
        book = next(r for r in posted if r.book_id == village.id)
        print(f"posting the month's roots (the village: {book.last_seq} entries): "
              f"{(time.perf_counter() - began) * 1000:.0f} ms")
    with session_for(engine, write=False) as s:
        times = []
        for seq in (1, book.last_seq // 2, book.last_seq):
            began = time.perf_counter()
            proof = chain.proof_public(s, book_id=village.id, seq=seq)
            times.append((time.perf_counter() - began) * 1000)
        print(f"one proof in a month of {proof.size} entries: {', '.join(f'{t:.0f}' for t in times)} ms "
              f"({len(proof.path)} hashes)")
        began = time.perf_counter()
        problems = check_ledger(s)
        print(f"check-ledger over {book.last_seq} chained entries: {time.perf_counter() - began:.1f} s, "
              f"{len(problems)} problem(s)")
    engine.dispose()


if __name__ == "__main__":
    main()
