"""The raw-SQL floor of bench/redeem.py: the statements one redemption by pay code makes, written as plain SQL over
one DB-API connection per client (sqlite3 or psycopg), one commit per redemption, with the app's durability (SQLite:
WAL, synchronous=FULL, BEGIN IMMEDIATE, writers taking turns in the process as app/db.py's queue does; PostgreSQL:
READ COMMITTED, the shop's advisory lock of app/shop/redemption/service.py). No ORM, no pydantic, no HTTP: what is
left is the database's own work and the driver's.

Per redemption: claim the Idempotency-Key, read the pay code (by its keyed hash) and whether it was used, price the
goods (an item of its own: the floors' stock stays theirs), take the stock (conditional update), find the
household's and the shop's accounts, write the ledger transaction and debit the household (conditional, I3) and
credit the shop, each with its entry, write the redemption, its stock movement and its receipt line, store the
answer on the key, commit."""

import json
import sqlite3
import threading
import uuid
from datetime import UTC, datetime

import psycopg
from sqlalchemy.engine import make_url

from app.shop.redemption.paycodes import PAY_CODE_TTL, _random_digits, code_digest

CODES_PER_REFILL = 2000


class RawFloor:
    """One connection per client; `one(i)` makes one redemption for client i."""

    def __init__(self, work: dict, url: str, clients: int, secret: str) -> None:
        self.work, self.secret = work, secret
        self.sqlite = url.startswith("sqlite")
        self.writer = threading.Lock()  # SQLite has one writer: this process's take turns (app/db.py)
        self.connections = [self._connect(url) for _ in range(clients)]
        self.codes: list[list[str]] = [[] for _ in range(clients)]
        self.household_of = [household_id for household_id, _, _ in work["people"]]
        self.attendant_of = [attendant_id for _, attendant_id, _ in work["people"]]

    def _connect(self, url: str):
        if self.sqlite:
            conn = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
                conn.execute(f"PRAGMA {pragma}")
            return conn
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(conninfo, options="-c lock_timeout=10000")

    def _sql(self, statement: str) -> str:
        return statement if self.sqlite else statement.replace("?", "%s")

    def _now(self):
        now = datetime.now(UTC)
        return now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now  # as SQLAlchemy stores it

    def _transaction(self, i: int, work) -> object:
        conn = self.connections[i]
        if self.sqlite:
            with self.writer:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(conn.execute)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result
        with conn.transaction():
            cursor = conn.cursor()
            return work(cursor.execute)

    def stock_codes(self, n: int) -> None:
        for i in range(len(self.connections)):
            self._refill(i, n)

    def _refill(self, i: int, n: int) -> None:
        """`n` live codes for client i's household, their rows written straight (the service's issue is the
        floor's and http's business; here only the redemption is measured)."""
        household_id, village_id = self.household_of[i], self.work["village_id"]
        codes = [_random_digits("66", 18) for _ in range(n)]
        now = datetime.now(UTC)
        rows = [(code_digest(c, secret=self.secret), household_id, village_id,
                 self._stamp(now + PAY_CODE_TTL), self._stamp(now)) for c in codes]

        def write(execute):
            conn = self.connections[i]
            if self.sqlite:
                conn.executemany("INSERT INTO pay_codes (code_hash, household_id, village_id, expires_at, created_at)"
                                 " VALUES (?, ?, ?, ?, ?)", rows)
            else:
                conn.cursor().executemany("INSERT INTO pay_codes (code_hash, household_id, village_id, expires_at,"
                                          " created_at) VALUES (%s, %s, %s, %s, %s)", rows)

        self._transaction(i, write)
        self.codes[i] = codes

    def _stamp(self, moment: datetime):
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else moment

    def one(self, i: int) -> None:
        if not self.codes[i]:
            self._refill(i, CODES_PER_REFILL)
        code = self.codes[i].pop()
        self._transaction(i, lambda execute: self._redeem(execute, i, code))

    def _redeem(self, execute, i: int, code: str) -> None:
        sql, work = self._sql, self.work
        shop_id, goods_id, attendant_id, quantity = work["shop_id"], work["raw_goods_id"], self.attendant_of[i], 1
        now = self._now()
        if not self.sqlite:
            execute("SELECT pg_advisory_xact_lock(19, %s)", (shop_id,))
        key = uuid.uuid4().hex
        claim = execute(sql("INSERT INTO idempotency_keys (scope, key, request_hash, response_body, created_at) "
                            "VALUES (?, ?, ?, '', ?) ON CONFLICT DO NOTHING RETURNING id"),
                        (f"user:{attendant_id}:redeem:{shop_id}", key, key.ljust(64, "0"), now)).fetchone()
        digest = code_digest(code, secret=self.secret)
        paycode = execute(sql("SELECT id, household_id, village_id, user_id, card_id, expires_at FROM pay_codes "
                              "WHERE code_hash = ?"), (digest,)).fetchone()
        if paycode is None or paycode[2] != work["village_id"] or paycode[5] <= now:
            raise RuntimeError("unknown, foreign or expired pay code")
        if execute(sql("SELECT id FROM redemptions WHERE pay_code_id = ?"), (paycode[0],)).fetchone():
            raise RuntimeError("pay code used")
        household_id = paycode[1]
        name, price = execute(sql("SELECT name, points_price FROM goods WHERE id = ? AND shop_id = ?"),
                              (goods_id, shop_id)).fetchone()
        points = price * quantity
        (stock_after,) = execute(sql("UPDATE goods SET stock = stock - ? WHERE id = ? AND stock >= ? RETURNING stock"),
                                 (quantity, goods_id, quantity)).fetchone()
        (payer,) = execute(sql("SELECT id FROM accounts WHERE household_id = ?"), (household_id,)).fetchone()
        (payee,) = execute(sql("SELECT id FROM accounts WHERE key = ?"), (f"shop:{shop_id}",)).fetchone()
        reason = f"{work['shop_name']}兑换"
        (txn_id,) = execute(sql("INSERT INTO ledger_transactions (kind, village_id, reason, actor_id, created_at) "
                                "VALUES ('redemption', ?, ?, ?, ?) RETURNING id"),
                            (work["village_id"], reason, attendant_id, now)).fetchone()
        debited = execute(sql("UPDATE accounts SET balance = balance - ? WHERE id = ? AND balance >= ? "
                              "RETURNING balance"), (points, payer, points)).fetchone()
        if debited is None:
            raise RuntimeError("insufficient points")
        entry = sql("INSERT INTO ledger_entries (transaction_id, account_id, amount, balance_after, created_at) "
                    "VALUES (?, ?, ?, ?, ?)")
        execute(entry, (txn_id, payer, -points, debited[0], now))
        (credited,) = execute(sql("UPDATE accounts SET balance = balance + ? WHERE id = ? RETURNING balance"),
                              (points, payee)).fetchone()
        execute(entry, (txn_id, payee, points, credited, now))
        (redemption_id,) = execute(sql(
            "INSERT INTO redemptions (shop_id, household_id, attendant_id, transaction_id, pay_code_id, total_points, "
            "balance_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
            (shop_id, household_id, attendant_id, txn_id, paycode[0], points, debited[0], now)).fetchone()
        execute(sql("INSERT INTO stock_movements (goods_id, kind, delta, stock_after, reason, actor_id, redemption_id,"
                    " created_at) VALUES (?, 'redemption', ?, ?, '兑换', ?, ?, ?)"),
                (goods_id, -quantity, stock_after, attendant_id, redemption_id, now))
        execute(sql("INSERT INTO redemption_items (redemption_id, goods_id, name, unit_points, quantity, points) "
                    "VALUES (?, ?, ?, ?, ?, ?)"), (redemption_id, goods_id, name, price, quantity, points))
        answer = json.dumps({"id": redemption_id, "shop_id": shop_id, "household_id": household_id,
                             "total_points": points, "balance_after": debited[0],
                             "items": [{"goods_id": goods_id, "name": name, "unit_points": price,
                                        "quantity": quantity, "points": points}], "created_at": str(now)},
                            ensure_ascii=False)
        execute(sql("UPDATE idempotency_keys SET response_body = ? WHERE id = ?"), (answer, claim[0]))

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


def run(work: dict, url: str, clients: int, seconds: float, run_clients, secret: str) -> list[float]:
    """The raw floor for `seconds`: every latency in ms."""
    floor = RawFloor(work, url, clients, secret)
    try:
        floor.stock_codes(CODES_PER_REFILL)
        return run_clients(clients, seconds, floor.one)
    finally:
        floor.close()

