"""帮办员 (issue #21 item 4) through the JSON API, on SQLite and PostgreSQL: appointing with paper consent and with
the household's card + 卡密码 (a wrong PIN refused and counted until the card locks), a helper's order that names
them, what a helper may never do for the household alone, another village's helper, an ended appointment, and
回避 (an official never appoints for their own household)."""

from sqlalchemy import update
from sqlmodel import select

from app.audit.models import AuditEntry
from app.db import session_for
from app.org.access import load_actor
from app.org.models import Household, User
from app.shop.redemption.paycodes import issue_card
from app.volunteer.models import ServiceOrder, ServiceOrderEvent
from tests.conftest import DEMO, TEST_SECRET, add_person, error_code


def ids(engine) -> dict[str, int]:
    with session_for(engine, write=False) as s:
        found = {h.head_name: h.id for h in s.exec(select(Household))}
        found |= {u.phone: u.id for u in s.exec(select(User)) if u.phone}
        return found


def paper(api, demo_engine, *, household="赵德明", helper="villager", who="official", note="同意书存村委档案柜"):
    i = ids(demo_engine)
    return api.post(
        f"/villages/{village_of(demo_engine)}/helpers",
        who,
        json={
            "household_id": i[household],
            "helper_id": i[DEMO.get(helper, helper)],
            "consent": "paper",
            "consent_note": note,
        },
    )


def village_of(engine, head="赵德明") -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Household.village_id).where(Household.head_name == head)).one()


def card_for(engine, head: str, pin: str) -> str:
    with session_for(engine, write=True) as s:
        official = load_actor(s, s.exec(select(User).where(User.phone == DEMO["official"])).one())
        household = s.exec(select(Household).where(Household.head_name == head)).one()
        code, _ = issue_card(s, actor=official, household=household, pin=pin, secret=TEST_SECRET)
        s.commit()
    return code


def test_paper_consent_then_the_helper_sees_the_balance_and_orders_in_their_name(api, demo_engine):
    r = paper(api, demo_engine)
    assert r.status_code == 201, r.text
    assert r.json()["helper"] == "王建国" and r.json()["consent"] == "paper" and r.json()["active"]
    zhao = ids(demo_engine)["赵德明"]
    mine = api.get("/me/helped-households", "villager").json()
    assert [(h["household"], h["balance"]) for h in mine] == [("赵德明", 80)]
    one = api.get(f"/helped-households/{zhao}", "villager").json()
    assert one["balance"] == 80 and one["history"][0]["amount"] == 80
    menu = {s["name"]: s["id"] for s in api.get("/services", "villager").json()["items"]}
    r = api.post("/orders", "villager", json={"service_id": menu["理发"], "household_id": zhao, "for_name": "赵大爷"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["household_id"] == zhao and order["on_behalf"] and order["helper"] == "王建国"
    with session_for(demo_engine, write=False) as s:
        event = s.exec(select(ServiceOrderEvent).where(ServiceOrderEvent.order_id == order["id"])).one()
        assert event.note.startswith("由帮办员王建国代办")
        audit = s.exec(
            select(AuditEntry).where(AuditEntry.action == "order.create", AuditEntry.target_id == order["id"])
        ).one()
        assert "由帮办员王建国代办" in audit.reason
        assert (
            s.exec(select(AuditEntry).where(AuditEntry.action == "helper.appoint"))
            .one()
            .reason.startswith("纸质同意书")
        )


def test_without_an_appointment_a_villager_cannot_order_for_another_household(api, demo_engine):
    zhao = ids(demo_engine)["赵德明"]
    assert api.get(f"/helped-households/{zhao}", "villager").status_code == 404
    menu = {s["name"]: s["id"] for s in api.get("/services", "villager").json()["items"]}
    r = api.post("/orders", "villager", json={"service_id": menu["理发"], "household_id": zhao})
    assert r.status_code == 404


def test_paper_consent_needs_a_note_and_a_person_of_the_village_not_of_the_household(api, demo_engine):
    assert error_code(paper(api, demo_engine, note=" ")) == "validation_error"
    assert error_code(paper(api, demo_engine, helper="neighbour")) == "validation_error"  # 邻村's 陈志强
    assert error_code(paper(api, demo_engine, household="王建国")) == "validation_error"  # his own household
    assert paper(api, demo_engine, helper="villager").status_code == 201
    assert error_code(paper(api, demo_engine, helper="villager")) == "conflict"  # already helping


def test_card_pin_consent_wrong_pin_refused_and_counted_right_pin_appoints(api, demo_engine):
    code = card_for(demo_engine, "赵德明", "246810")
    i, village = ids(demo_engine), village_of(demo_engine)
    body = {"household_id": i["赵德明"], "helper_id": i[DEMO["villager"]], "consent": "card_pin", "card_code": code}
    r = api.post(f"/villages/{village}/helpers", "official", json={**body, "pin": "000000"})
    assert r.status_code in (400, 403) and "卡密码错误" in r.json()["error"]["message"]
    assert api.get("/me/helped-households", "villager").json() == []
    for _ in range(4):  # the card locks after its tries, as at the counter
        r = api.post(f"/villages/{village}/helpers", "official", json={**body, "pin": "000000"})
    assert error_code(r) == "rate_limited"
    other = card_for(demo_engine, "赵德明", "135790")
    wang = card_for(demo_engine, "李秀英", "135790")
    r = api.post(f"/villages/{village}/helpers", "official", json={**body, "card_code": wang, "pin": "135790"})
    assert r.status_code == 403  # another household's card
    r = api.post(f"/villages/{village}/helpers", "official", json={**body, "card_code": other, "pin": "135790"})
    assert r.status_code == 201, r.text
    assert r.json()["consent"] == "card_pin"


def test_a_helper_never_rates_or_confirms_for_the_household(api, demo_engine):
    assert paper(api, demo_engine).status_code == 201
    zhao = ids(demo_engine)["赵德明"]
    menu = {s["name"]: s["id"] for s in api.get("/services", "villager").json()["items"]}
    order = api.post("/orders", "villager", json={"service_id": menu["理发"], "household_id": zhao}).json()
    volunteer = ids(demo_engine)[DEMO["volunteer"]]
    with session_for(demo_engine, write=True) as s:  # the service done by 李志愿, waiting for its rating
        s.execute(
            update(ServiceOrder)
            .where(ServiceOrder.id == order["id"])
            .values(
                status="completed", volunteer_id=volunteer, claimed_minutes=60, completed_at=ServiceOrder.created_at
            )
        )
        s.commit()
    r = api.post(f"/orders/{order['id']}/rate", "villager", json={"stars": 5, "comment": "好"})
    assert r.status_code == 403, r.text
    code = card_for(demo_engine, "赵德明", "246810")
    r = api.post(
        f"/orders/{order['id']}/rate-by-card",
        "villager",
        json={"card_code": code, "pin": "246810", "stars": 5, "comment": ""},
    )
    assert r.status_code == 403
    assert api.post(f"/orders/{order['id']}/confirm", "villager").status_code == 403
    assert api.get(f"/orders/{order['id']}", "villager").json()["status"] == "completed"


def test_another_villages_helper_and_official_see_nothing(api, demo_engine):
    assert paper(api, demo_engine).status_code == 201
    zhao, village = ids(demo_engine)["赵德明"], village_of(demo_engine)
    assert api.get(f"/helped-households/{zhao}", "neighbour").status_code == 404
    neighbour_official = add_person(demo_engine, phone="13800000091", name="邻村书记", role="official", unit="邻村")
    assert api.get(f"/villages/{village}/helpers", neighbour_official).status_code == 404
    assert api.get(f"/villages/{village}/helpers", "villager").status_code == 403


def test_an_ended_helper_loses_access_and_the_household_may_end_it(api, demo_engine):
    appointed = paper(api, demo_engine).json()
    zhao = ids(demo_engine)["赵德明"]
    r = api.post(f"/helpers/{appointed['id']}/end", "official")
    assert r.status_code == 200 and not r.json()["active"]
    assert api.get(f"/helped-households/{zhao}", "villager").status_code == 404
    assert api.get("/me/helped-households", "villager").json() == []
    menu = {s["name"]: s["id"] for s in api.get("/services", "villager").json()["items"]}
    assert api.post("/orders", "villager", json={"service_id": menu["理发"], "household_id": zhao}).status_code == 404
    # The household itself ends its helper: 李秀英's household (李志愿) ends 王建国's help.
    again = paper(api, demo_engine, household="李秀英").json()
    assert api.post(f"/helpers/{again['id']}/end", "neighbour").status_code == 404
    assert api.post(f"/helpers/{again['id']}/end", "volunteer").json()["active"] is False


def test_an_official_never_appoints_for_their_own_household(api, demo_engine):
    zhao = ids(demo_engine)["赵德明"]
    own = add_person(demo_engine, phone="13800000092", name="赵书记", role="official", unit="示范村", household_id=zhao)
    r = paper(api, demo_engine, who=own)
    assert error_code(r) == "conflict_of_interest"
