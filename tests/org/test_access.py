"""The two tenancy helpers every domain uses: one object of a village the actor may see, and a query narrowed to
those villages (app/org/access.py)."""

import pytest
from sqlmodel import select

from app.errors import Forbidden, NotFound
from app.org.access import (
    EVERYONE,
    OFFICIALS,
    VILLAGE_STAFF,
    acting_household,
    get_visible,
    in_villages,
    load_actor,
    own_household,
    village_for,
)
from app.org.models import Household, User


def actor(session, phone):
    return load_actor(session, session.exec(select(User).where(User.phone == phone)).one())


def household(session, head):
    return session.exec(select(Household).where(Household.head_name == head)).one()


class TestGetVisible:
    def test_finds_a_record_of_the_actors_village(self, session):
        wang = household(session, "王建国")
        assert get_visible(session, actor(session, "13800000001"), Household, wang.id, roles=OFFICIALS) == wang

    def test_another_village_is_not_found_not_forbidden(self, session):
        chen = household(session, "陈志强")
        with pytest.raises(NotFound, match="找不到该农户"):
            get_visible(session, actor(session, "13800000001"), Household, chen.id, roles=EVERYONE,
                        missing="找不到该农户")

    def test_a_higher_level_covers_its_villages(self, session):
        chen = household(session, "陈志强")
        assert get_visible(session, actor(session, "13800000006"), Household, chen.id, roles=VILLAGE_STAFF) == chen

    def test_the_role_must_be_held_there(self, session):
        wang = household(session, "王建国")
        with pytest.raises(NotFound):  # the attendant belongs to the village but is no official
            get_visible(session, actor(session, "13800000002"), Household, wang.id, roles=OFFICIALS)

    def test_also_lets_an_owner_through(self, session):
        wang = household(session, "王建国")
        villager = actor(session, "13800000004")
        found = get_visible(session, villager, Household, wang.id, roles=VILLAGE_STAFF,
                            also=lambda h: villager.user.household_id == h.id)
        assert found == wang

    @pytest.mark.parametrize("bad_id", [0, -1, 2**63, 10**20])
    def test_ids_outside_64_bits_name_nothing(self, session, bad_id):
        with pytest.raises(NotFound):
            get_visible(session, actor(session, "13800000006"), Household, bad_id)


class TestInVillages:
    def heads(self, session, phone, roles):
        stmt = in_villages(select(Household.head_name), actor(session, phone), Household.village_id, roles)
        return set(session.exec(stmt))

    def test_an_official_sees_their_village_only(self, session):
        assert self.heads(session, "13800000001", OFFICIALS) == {"王建国", "李秀英", "赵德明"}

    def test_the_township_sees_every_village_below(self, session):
        assert self.heads(session, "13800000006", VILLAGE_STAFF) == {"王建国", "李秀英", "赵德明", "陈志强"}

    def test_without_the_role_nothing(self, session):
        assert self.heads(session, "13800000004", OFFICIALS) == set()


class TestWhichHouseholdWhichVillage:
    """app/org/access.py answers "whose household, which village" for every domain (issue #16)."""

    def test_the_acting_household_is_the_users_own_or_none(self, session):
        assert acting_household(session, actor(session, "13800000004")) == household(session, "王建国")
        assert acting_household(session, actor(session, "13800000006")) is None  # the town admin has none

    def test_own_household_refuses_a_user_without_one_in_the_callers_words(self, session):
        with pytest.raises(Forbidden, match="请由村干部代为点单"):
            own_household(session, actor(session, "13800000006"), "请由村干部代为点单")

    def test_a_named_village_is_given_only_to_who_covers_it(self, session):
        wang, chen = household(session, "王建国"), household(session, "陈志强")
        official, town = actor(session, "13800000001"), actor(session, "13800000006")
        assert village_for(official, wang.village_id, OFFICIALS) == wang.village_id
        assert village_for(town, chen.village_id, VILLAGE_STAFF) == chen.village_id  # oversees both villages
        with pytest.raises(NotFound, match="找不到该村"):
            village_for(official, chen.village_id)  # another village: not found, never forbidden
        villager = actor(session, "13800000004")
        with pytest.raises(NotFound):
            village_for(villager, wang.village_id, OFFICIALS)
        with pytest.raises(Forbidden, match="只对村干部"):  # their own village, without the role, in words
            village_for(villager, wang.village_id, OFFICIALS, refuse="只对村干部")
        with pytest.raises(NotFound):
            village_for(villager, chen.village_id, OFFICIALS, refuse="只对村干部")

    def test_no_village_named_is_the_actors_own(self, session):
        li = actor(session, "13800000003")
        own = household(session, "李秀英").village_id
        assert village_for(li, household=acting_household(session, li)) == own
        assert village_for(actor(session, "13800000001"), None, OFFICIALS) == own
        with pytest.raises(Forbidden, match="还没有关联村"):
            village_for(actor(session, "13800000004"), None, OFFICIALS, refuse="还没有关联村")
        with pytest.raises(NotFound):
            village_for(actor(session, "13800000004"), None, OFFICIALS)
