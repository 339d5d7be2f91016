"""The ledger's accounts: a household's, the funds of each level, each level's own input (三级配套) and donations, a
shop's — opened on first use."""

from sqlalchemy import bindparam, insert, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import NotFound
from app.ledger.models import ISSUING_KINDS, Account, AccountKind
from app.org.models import Household, OrgKind, OrgUnit

FUND_KIND = {OrgKind.village: AccountKind.village_fund, OrgKind.township: AccountKind.township_fund,
             OrgKind.county: AccountKind.county_fund}
HOLD_PREFIX = "hold:"
FUND_LABEL = "积分资金"  # 示范村积分资金, 清河镇积分资金, 振风县积分资金 (alembic 0015 renamed the older ones)


def open_household_account(session: Session, *, household: Household) -> Account:
    """The household's points account, opened with the household."""
    open_household_accounts(session, village_id=household.village_id,
                            households=[(household.id, household.head_name)])  # type: ignore[list-item]
    return household_account(session, household_id=household.id)  # type: ignore[arg-type]


def open_household_accounts(session: Session, *, village_id: int, households: list[tuple[int, str]]) -> None:
    """The points accounts of a village's households just written, (id, head name) each — one, or a roster's
    thousands — in one statement."""
    if households:
        session.execute(insert(Account), [
            {"key": f"household:{household_id}", "kind": AccountKind.household, "name": head_name,
             "org_id": village_id, "village_id": village_id, "household_id": household_id, "allow_negative": False,
             "balance": 0} for household_id, head_name in households], execution_options={"render_nulls": True})


def household_account(session: Session, *, household_id: int) -> Account:
    account = session.exec(select(Account).where(Account.household_id == household_id)).first()
    if account is None:
        raise NotFound("找不到该农户的积分账户")
    return account


def fund_account(session: Session, *, org: OrgUnit) -> Account:
    """The point fund of a village, township or county, opened on first use."""
    kind = FUND_KIND[OrgKind(org.kind)]
    return _get_or_open(session, key=f"{kind}:{org.id}", kind=kind, name=f"{org.name}{FUND_LABEL}",
                        org=org, allow_negative=kind in ISSUING_KINDS)


def existing_fund_account(session: Session, *, org: OrgUnit) -> Account | None:
    """The unit's fund if it has been opened (a read never opens one)."""
    key = f"{FUND_KIND[OrgKind(org.kind)]}:{org.id}"
    return session.exec(select(Account).where(Account.key == key)).first()


def village_fund(session: Session, *, village_id: int) -> Account:
    return fund_account(session, org=session.get(OrgUnit, village_id))


def donations_account(session: Session, *, org: OrgUnit) -> Account:
    """Where donations (社会捐赠) into a level's fund come from: it issues points (its balance is minus what was
    given), one per county, township or village."""
    return _get_or_open(session, key=f"{AccountKind.donations}:{org.id}", kind=AccountKind.donations,
                        name=f"{org.name}社会捐赠", org=org, allow_negative=True)


def budget_account(session: Session, *, org: OrgUnit) -> Account:
    """Where a level's own input (三级配套) into its fund comes from: it issues points, one per county, township or
    village."""
    return _get_or_open(session, key=f"{AccountKind.budget}:{org.id}", kind=AccountKind.budget,
                        name=f"{org.name}三级配套", org=org, allow_negative=True)


def shop_account(session: Session, *, shop_id: int, name: str, village_id: int) -> Account:
    """The shop's points account: what it has taken in redemptions, for the village to settle (the village's row is
    read only to open it: every redemption asks for it)."""
    key = f"shop:{shop_id}"
    return session.exec(select(Account).where(Account.key == key)).first() or _get_or_open(
        session, key=key, kind=AccountKind.shop, name=name, org=session.get(OrgUnit, village_id),
        allow_negative=False, shop_id=shop_id)


# Built once: a redemption's accounts — the household's, its hold (if it has one) and the shop's — in one read.
_PAYING = select(Account).where(or_(Account.household_id == bindparam("household_id"),
                                    Account.key == bindparam("hold_key"), Account.key == bindparam("shop_key")))


def paying_accounts(session: Session, *, household_id: int, shop_id: int, name: str, village_id: int
                    ) -> tuple[Account, Account, int]:
    """The household's account and the shop's (opened on first use, as `shop_account`) in one read, with the points
    the household has on hold (0 when it has no hold account): nothing held means nothing can be due back."""
    found = list(session.exec(_PAYING, params={"household_id": household_id, "hold_key": f"{HOLD_PREFIX}{household_id}",
                                               "shop_key": f"shop:{shop_id}"}))
    payer = next((a for a in found if a.household_id == household_id), None)
    if payer is None:
        raise NotFound("找不到该农户的积分账户")
    shop = next((a for a in found if a.kind == AccountKind.shop), None) or shop_account(
        session, shop_id=shop_id, name=name, village_id=village_id)
    return payer, shop, sum(a.balance for a in found if a.kind == AccountKind.hold)


def hold_account(session: Session, *, household: Household) -> Account:
    """Where a household's points wait while a shop request (扫码兑换) is open: opened on first use, one per
    household, never below zero. Its points are still the household's; they leave only when the request is
    fulfilled (to the shop) or come back when it is cancelled, expires or is refused."""
    key = f"{HOLD_PREFIX}{household.id}"
    account = session.exec(select(Account).where(Account.key == key)).first()
    if account is not None:
        return account
    try:  # two first requests of a household at once: one opens the account, the other finds it
        with session.begin_nested():
            account = Account(key=key, kind=AccountKind.hold, name=f"{household.head_name}（兑换预留）",
                              org_id=household.village_id, village_id=household.village_id)
            session.add(account)
            session.flush()
        return account
    except IntegrityError:
        return session.exec(select(Account).where(Account.key == key)).one()


def held_for(account: Account) -> int | None:
    """The household a hold account belongs to (None for any other account)."""
    if account.kind != AccountKind.hold:
        return None
    return int(account.key.removeprefix(HOLD_PREFIX))


def _get_or_open(session: Session, *, key: str, kind: str, name: str, org: OrgUnit, allow_negative: bool,
                 shop_id: int | None = None) -> Account:
    account = session.exec(select(Account).where(Account.key == key)).first()
    if account is None:
        village_id = org.id if org.kind == OrgKind.village else None
        account = Account(key=key, kind=kind, name=name, org_id=org.id, village_id=village_id,
                          allow_negative=allow_negative, shop_id=shop_id)
        session.add(account)
        session.flush()
    return account
