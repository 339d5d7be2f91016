"""A ledger anyone can check (issue #21 item 5): entries chained per village as they commit, a month's root posted
once (automatically with the first entry of the next month, or by post-ledger-roots), the public proofs, and the
tamper test — one amount changed in the database: check-ledger names that entry and the receipt no longer checks."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.__main__ import main
from app.config import get_settings
from app.db import session_for, write_session
from app.disclosure.models import Disclosure
from app.disclosure.service import revise
from app.errors import InvalidState
from app.ledger import chain, merkle
from app.ledger.approvals import propose_award
from app.ledger.chain_models import LedgerChain, LedgerLink, LedgerRoot
from app.ledger.check import check_ledger
from app.ledger.models import LedgerEntry
from app.org.access import load_actor
from app.org.models import Household, OrgUnit, User
from app.timeutil import this_month, utcnow
from tests.ledger.test_races import official_and_household, run_all
from tests.shop.conftest import pay_code, redeem

NEXT_MONTH = timedelta(days=40)


def village_id(session, name="示范村") -> int:
    return session.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def post_this_month(engine) -> list[LedgerRoot]:
    """Close this month as if it were next month (the cron command's function with the clock moved)."""
    with write_session(engine) as s:
        posted = chain.post_due_roots(s, now=utcnow() + NEXT_MONTH)
        s.commit()
        return posted


def tamper(engine, entry_id: int, amount: int) -> None:
    """Change one entry's amount behind the ledger's back, past its append-only guard."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE ledger_entries SET amount = :a WHERE id = :id"), {"a": amount, "id": entry_id})
        else:
            conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
            conn.execute(text("UPDATE ledger_entries SET amount = :a WHERE id = :id"), {"a": amount, "id": entry_id})
            conn.execute(text("CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries "
                              "BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END"))


def checks(url: str) -> tuple[str, dict]:
    """What /verify computes from a 核对 address: the leaf of the facts in its fragment."""
    facts = dict(part.split("=", 1) for part in url.split("#", 1)[1].split("&"))
    leaf_text = "|".join(["zf1", *(facts[k] for k in ("b", "s", "e", "t", "a", "k", "n", "r", "at", "x"))])
    return merkle.leaf_hash(leaf_text), facts


def matches_posted_root(api, url: str) -> bool | None:
    """The public routes' answer for a 核对 address, walked as static/verify.js walks it (None: not posted)."""
    leaf, facts = checks(url)
    proof = api.client.get(f"/api/v1/public/ledger/books/{facts['b']}/proofs/{facts['s']}").json()
    if not proof["posted"]:
        return None
    root = api.client.get(f"/api/v1/public/ledger/books/{facts['b']}/roots/{proof['month']}")
    assert root.status_code == 200, root.text
    return merkle.root_from_proof(leaf, proof["index"], proof["size"], proof["path"]) == root.json()["root"]


def test_a_changed_amount_is_named_and_its_receipt_no_longer_checks(api, demo_engine):
    """The issue's test, on both engines: a redemption's receipt checks against the posted month; one amount changed
    in the database → check-ledger fails naming that entry, and the same receipt read again does not match."""
    shop_id = api.get("/shops", "attendant").json()["items"][0]["id"]
    code = pay_code(api)
    goods = api.get(f"/shops/{shop_id}/goods", "attendant").json()["items"][0]
    made = redeem(api, shop_id, code, [(goods["id"], 1)])
    assert made.status_code == 201, made.text
    receipt = api.get(f"/redemptions/{made.json()['id']}", "villager").json()
    assert receipt["verify_url"].startswith("/verify#v=1&")
    assert matches_posted_root(api, receipt["verify_url"]) is None  # this month: not posted yet
    posted = post_this_month(demo_engine)
    assert {r.month for r in posted} == {this_month()}
    assert matches_posted_root(api, receipt["verify_url"]) is True
    with session_for(demo_engine, write=False) as s:
        assert check_ledger(s) == []
    _, facts = checks(receipt["verify_url"])

    tamper(demo_engine, int(facts["e"]), int(facts["n"]) + 1)
    with session_for(demo_engine, write=False) as s:
        problems = check_ledger(s)
    named = [p for p in problems if p.startswith(f"entry {facts['e']} of 示范村")]
    assert named and f"amount {int(facts['n']) + 1}" in named[0], problems
    household = api.get("/me", "villager").json()["household_id"]
    line = next(item for item in api.get(f"/households/{household}/ledger", "villager").json()["items"]
                if item["verify_url"] and checks(item["verify_url"])[1]["e"] == facts["e"])
    assert matches_posted_root(api, line["verify_url"]) is False  # read again, the receipt does not match
    assert matches_posted_root(api, receipt["verify_url"]) is True  # the copy kept from before still does


def test_check_ledger_command_names_the_first_broken_entry(demo_engine, monkeypatch, capsys):
    """`python -m app check-ledger` fails naming the first broken entry of the village and counting the rest."""
    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert main(["check-ledger"]) == 0
        with session_for(demo_engine, write=False) as s:
            first, second = s.exec(select(LedgerLink.entry_id).where(LedgerLink.book_id == village_id(s))
                                   .order_by(LedgerLink.seq).limit(2)).all()
        tamper(demo_engine, second, 7)
        tamper(demo_engine, first, 8)
        assert main(["check-ledger"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert f"entry {first} of 示范村" in err and "1 more broken after it" in err, err


@pytest.mark.sqlite_only
def test_the_public_routes(api, demo_engine):
    with session_for(demo_engine, write=False) as s:
        book = village_id(s)
    assert api.client.get("/verify").status_code == 200  # no sign-in
    open_proof = api.client.get(f"/api/v1/public/ledger/books/{book}/proofs/1").json()
    assert open_proof == {"book_id": book, "seq": 1, "month": this_month(), "posted": False, "index": None,
                          "size": None, "path": []}
    assert api.client.get(f"/api/v1/public/ledger/books/{book}/roots/{this_month()}").status_code == 404
    assert api.client.get(f"/api/v1/public/ledger/books/{book}/roots/2026-13").status_code == 422
    assert api.client.get(f"/api/v1/public/ledger/books/{2**31}/proofs/1").status_code == 404
    assert api.client.get(f"/api/v1/public/ledger/books/{book}/proofs/9999").status_code == 404
    post_this_month(demo_engine)
    root = api.client.get(f"/api/v1/public/ledger/books/{book}/roots/{this_month()}").json()
    assert root["book"] == "示范村" and root["count"] == root["last_seq"] and len(root["root"]) == 64
    assert api.client.get(f"/api/v1/public/ledger/books/{book}/roots").json()["items"] == [root]
    proof = api.client.get(f"/api/v1/public/ledger/books/{book}/proofs/{root['count']}").json()
    assert proof["posted"] and proof["size"] == root["count"] and len(proof["path"]) <= root["count"].bit_length()
    assert "王" not in str(root) + str(proof)  # hashes and counts: no names


def test_the_first_entry_of_a_new_month_posts_the_last_one_once(demo_engine, monkeypatch):
    """On both engines: a month's root is posted in the same transaction as the village's first entry of a later
    month, as a 财务 disclosure by the system; later entries and the cron command post nothing more."""
    with session_for(demo_engine, write=True) as s:
        actor, household = official_and_household(s)
        monkeypatch.setattr(chain, "month_of", lambda at: "2099-01")  # the clock moved on
        propose_award(s, actor=actor, household=household, points=5, reason="新月第一笔", category=None,
                      idempotency_key=None)
        s.commit()
        propose_award(s, actor=actor, household=household, points=6, reason="新月第二笔", category=None,
                      idempotency_key=None)
        s.commit()
    with write_session(demo_engine) as s:  # the cron command: the other books' months, nothing more of this one
        village = village_id(s)
        assert village not in {r.book_id for r in chain.post_due_roots(s, now=utcnow() + NEXT_MONTH)}
        s.commit()
    with session_for(demo_engine, write=False) as s:
        roots = s.exec(select(LedgerRoot).where(LedgerRoot.book_id == village)).all()
        assert [r.month for r in roots] == [this_month()]
        disclosure = s.get(Disclosure, roots[0].disclosure_id)
        assert (disclosure.category, disclosure.author_id, disclosure.village_id) == ("finance", None, village)
        assert disclosure.title == f"{int(this_month()[:4])}年{int(this_month()[5:])}月积分账本校验码"
        with pytest.raises(InvalidState):  # the system's disclosure is never revised
            revise(s, actor=load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one()),
                   disclosure=disclosure, title="改", body="改", reason="想改")
        head = s.get(LedgerChain, village)
        assert head.month == "2099-01" and head.seq == roots[0].last_seq + 4  # two awards: two legs each
        assert check_ledger(s) == []


def test_concurrent_postings_keep_one_unbroken_chain(demo_engine):
    """Both engines: many commits of one village at once (each its own households and the shared fund) — every
    entry takes its own place, 1..n with no gap, the chain whole."""
    with session_for(demo_engine, write=False) as s:
        households = [h.id for h in s.exec(select(Household).where(Household.village_id == village_id(s)))]

    def work(i):
        with write_session(demo_engine) as session:
            actor, _ = official_and_household(session)
            household = session.get(Household, households[i % len(households)])
            result = propose_award(session, actor=actor, household=household, points=1, reason=f"并发{i}",
                                   category=None, idempotency_key=None)
            session.commit()
            return result

    results = run_all(16, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    with session_for(demo_engine, write=False) as s:
        village = village_id(s)
        seqs = s.exec(select(LedgerLink.seq).where(LedgerLink.book_id == village).order_by(LedgerLink.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))
        assert s.get(LedgerChain, village).seq == len(seqs)
        unchained = s.exec(select(LedgerEntry.id).where(~LedgerEntry.id.in_(select(LedgerLink.entry_id)))).all()
        assert unchained == []
        assert check_ledger(s) == []
