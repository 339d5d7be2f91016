"""Households and members, called straight on the service layer with a session, on SQLite and PostgreSQL: who
registers a household where, members who can sign in, one phone per person, search within one's villages."""

import pytest

from app.db import session_for
from app.errors import DuplicatePhone, Forbidden, ValidationFailed
from app.ledger.service import household_balance
from app.org import service
from app.org.models import MemberCreate
from tests.conftest import DEMO
from tests.service_helpers import head, who


@pytest.fixture
def s(demo_engine):
    with session_for(demo_engine, write=True) as session:
        yield session


class TestCreateHousehold:
    def test_an_official_registers_one_in_their_village_with_an_empty_account(self, s):
        made = service.create_household(s, actor=who(s, "official"), head_name="  孙大山 ", address="示范村四组 1 号",
                                        members=[MemberCreate(name="孙大山", phone="13900000001",
                                                              password="secret-123"), MemberCreate(name="孙小梅")])
        assert made.head_name == "孙大山" and made.village_id == head(s, "王建国").village_id
        assert [m.name for m in service.household_members(s, household=made)] == ["孙大山", "孙小梅"]
        assert household_balance(s, household_id=made.id) == 0

    def test_a_villager_may_not(self, s):
        with pytest.raises(Forbidden):
            service.create_household(s, actor=who(s, "villager"), head_name="孙大山", address="", members=[])

    def test_a_member_with_a_short_password_is_named_in_the_refusal(self, s):
        with pytest.raises(ValidationFailed, match="成员 1 孙大山"):
            service.create_household(s, actor=who(s, "official"), head_name="孙大山", address="",
                                     members=[MemberCreate(name="孙大山", phone="13900000001", password="short")])


class TestMembers:
    def test_a_phone_in_use_is_refused(self, s):
        with pytest.raises(DuplicatePhone):
            service.add_member(s, actor=who(s, "official"), household=head(s, "王建国"), name="王小二",
                               phone=DEMO["villager"], password="secret-123")

    def test_a_deactivated_member_can_no_longer_sign_in(self, s):
        member = service.add_member(s, actor=who(s, "official"), household=head(s, "王建国"), name="王小二",
                                    phone="13900000002", password="secret-123")
        version = member.token_version
        service.deactivate_member(s, actor=who(s, "official"), household=head(s, "王建国"), member=member,
                                  reason="外出务工，迁出")
        assert not member.active and member.token_version == version + 1


class TestSearchHouseholds:
    def test_only_the_actors_villages_are_searched(self, s):
        def heads(actor_name: str, q: str | None = None) -> set[str]:
            page = service.search_households(s, actor=who(s, actor_name), q=q, limit=50, cursor=None)
            return {h.head_name for h, _balance in page.items}

        assert heads("official") == {"王建国", "李秀英", "赵德明"}
        assert heads("official", "陈志强") == set()  # another village's household
        assert heads("town_admin") == {"王建国", "李秀英", "赵德明", "陈志强"}
        assert heads("official", "王奶奶") == {"王建国"}  # a member's name finds the household
