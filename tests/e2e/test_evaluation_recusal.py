"""回避 in a real browser at 390×844 (issue #15): a villager appointed to the committee opens this month's round and
finds their own household's line marked 回避, with no way to score it; the other households they score as usual.
Screenshots: test-artifacts/screenshots/evaluation-recusal-*.png."""

import pytest
from sqlmodel import select

from app.db import make_engine, session_for
from app.org.models import Household, Role, RoleAssignment, User
from tests.conftest import DEMO
from tests.e2e.test_evaluation_flow import score
from tests.e2e.test_shop_admin_flow import log_in

pytestmark = pytest.mark.browser


def appoint_committee(database, phone: str) -> None:
    """Make a villager a member of the village's committee, in the live server's database (this branch has no page
    or API for appointing staff yet)."""
    engine = make_engine(f"sqlite:///{database}")
    with session_for(engine, write=True) as s:
        user = s.exec(select(User).where(User.phone == phone)).one()
        village_id = s.get(Household, user.household_id).village_id
        s.add(RoleAssignment(user_id=user.id, role=Role.committee, org_id=village_id))
        s.commit()
    engine.dispose()


def test_committee_member_recuses_from_own_household(live_server, tmp_path, new_context, shoot):
    base = live_server
    appoint_committee(tmp_path / "e2e.db", DEMO["villager"])  # 王建国, of 王建国's household (tests/e2e/conftest.py)

    member = new_context().new_page()
    log_in(member, base, DEMO["villager"], to="/")
    member.get_by_role("link", name="去评分").click()
    member.get_by_role("heading", name="参评农户").wait_for()
    own = member.locator("[data-testid=household-line]", has_text="王建国家")
    assert "回避：王建国" in own.inner_text() and "您家" in own.inner_text()  # his own name in full to him (#18)
    assert own.get_by_role("link").count() == 0  # no way to score it from its line
    own_id = own.get_attribute("data-household")
    assert member.locator(f"a[href*='/households/{own_id}/score']").count() == 0  # nor from anywhere on the page
    other = member.locator("[data-testid=household-line]", has_text="李秀英家")
    assert "回避" not in other.inner_text()
    shoot(member, "evaluation-recusal-member")
    score(member, "李秀英", "参加志愿服务", 5, "每周给孤寡老人送菜")

    official = new_context().new_page()
    log_in(official, base, DEMO["official"])
    official.goto(member.url.split("?")[0])
    official.locator("[data-testid=household-line]", has_text="回避：王*国").wait_for()
    shoot(official, "evaluation-recusal-official")
