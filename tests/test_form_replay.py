"""A page form sent again gets the first answer (app/form_replay.py, issue #18). 接单 draws no key of its own in
its template (the page's script gives every form one, static/app.js): its answer lost and the same form sent again
with the same key, the volunteer is answered as the first time — not told the order is no longer his to take.
The answers are kept in the database (a unique key per session, path, key and fields): the first test runs on both
engines, the rest (headers and scoping) on SQLite."""

import re

import pytest
from sqlmodel import Session, select

from app.idempotency import IdempotencyRecord
from app.volunteer.models import ServiceOrderEvent

HTMX = {"HX-Request": "true"}


def dispatched_order(api) -> int:
    """A fresh 理发 of 王建国's, sent by the official to 李志愿."""
    menu = {s["name"]: s["id"] for s in api.get("/services", "villager").json()["items"]}
    made = api.post("/orders", "villager", json={"service_id": menu["理发"], "description": "测试"})
    assert made.status_code == 201, made.text
    oid = made.json()["id"]
    page = api.client.get(f"/service/orders/{oid}", headers=api.headers("official")).text
    volunteer = re.search(r'value="user:(\d+)">志愿者 李志愿', page).group(1)
    sent = api.client.post(f"/service/orders/{oid}/dispatch", data={"to": f"user:{volunteer}"},
                           headers=api.headers("official"), follow_redirects=False)
    assert sent.status_code == 303
    return oid


def accept(api, oid: int, key: str, who: str = "volunteer", **headers):
    return api.client.post(f"/service/orders/{oid}/accept", data={"form_key": key},
                           headers={**api.headers(who), **HTMX, "X-Form-Key": key, **headers},
                           follow_redirects=False)


def accepted(engine, oid: int) -> int:
    with Session(engine) as session:
        return len(session.exec(select(ServiceOrderEvent).where(ServiceOrderEvent.order_id == oid,
                                                                ServiceOrderEvent.action == "accept")).all())


def test_a_repeat_gets_the_first_answer_and_does_nothing_twice(api, demo_engine):
    oid = dispatched_order(api)
    first = accept(api, oid, "k-accept-1")
    assert first.status_code == 204 and first.headers["HX-Redirect"].startswith(f"/service/orders/{oid}")
    again = accept(api, oid, "k-accept-1")
    assert (again.status_code, again.headers["HX-Redirect"], again.headers["X-Form-Replayed"]) == (
        204, first.headers["HX-Redirect"], "1")
    assert accepted(demo_engine, oid) == 1
    # The step sent with a new key (a page drawn again, tapped again) is decided afresh: refused, and not kept.
    fresh = accept(api, oid, "k-accept-2")
    assert fresh.status_code == 409 and "X-Form-Replayed" not in fresh.headers
    assert accept(api, oid, "k-accept-2").status_code == 409
    with Session(demo_engine) as session:
        kept = session.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope.startswith("form:"))).all()
    assert len(kept) == 1 and kept[0].response_body  # the one success; the refusal gave its key up


@pytest.mark.sqlite_only
def test_another_session_never_reads_an_answer_kept_for_someone(api, demo_engine):
    oid = dispatched_order(api)
    assert accept(api, oid, "k-mine").status_code == 204
    other = accept(api, oid, "k-mine", who="official")
    assert "X-Form-Replayed" not in other.headers and other.status_code in (403, 404, 409)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("headers", [{"HX-Request": "false"}, {"X-Form-Key": ""}, {"X-Form-Key": "k" * 201}])
def test_only_htmx_with_a_sound_key_is_answered_again(api, headers):
    oid = dispatched_order(api)
    assert accept(api, oid, "k-a").status_code == 204
    again = accept(api, oid, "k-a", **headers)
    assert again.status_code == 409 and "X-Form-Replayed" not in again.headers


@pytest.mark.sqlite_only
def test_the_api_keeps_its_own_keys(api):
    oid = dispatched_order(api)
    r = api.client.post(f"/api/v1/orders/{oid}/accept", headers={**api.headers("volunteer"), **HTMX,
                                                                 "X-Form-Key": "k-api"})
    again = api.client.post(f"/api/v1/orders/{oid}/accept", headers={**api.headers("volunteer"), **HTMX,
                                                                     "X-Form-Key": "k-api"})
    assert r.status_code == 200 and again.status_code == 409 and "X-Form-Replayed" not in again.headers


@pytest.mark.sqlite_only
def test_other_fields_with_the_same_key_are_a_request_of_their_own(api, demo_engine):
    """A review step passes its key on to 确认 (积分资金): the confirmation sends other fields, so it is decided,
    not answered with the review again."""
    oid = dispatched_order(api)
    headers = {**api.headers("volunteer"), **HTMX, "X-Form-Key": "k-same"}
    first = api.client.post(f"/service/orders/{oid}/accept", data={"form_key": "k-same"}, headers=headers,
                            follow_redirects=False)
    other = api.client.post(f"/service/orders/{oid}/accept", data={"form_key": "k-same", "note": "再点一次"},
                            headers=headers, follow_redirects=False)
    assert first.status_code == 204 and other.status_code == 409 and "X-Form-Replayed" not in other.headers


@pytest.mark.sqlite_only
def test_an_upload_is_left_to_the_domain(api, demo_engine):
    """A multipart body differs with every send (its boundary): uploads are not answered again here."""
    oid = dispatched_order(api)
    headers = {**api.headers("volunteer"), **HTMX, "X-Form-Key": "k-upload"}
    sent = [api.client.post(f"/service/orders/{oid}/accept", data={"form_key": "k-upload"},
                            files={"x": ("a.txt", b"a", "text/plain")}, headers=headers, follow_redirects=False)
            for _ in range(2)]
    assert [r.status_code for r in sent] == [204, 409] and "X-Form-Replayed" not in sent[1].headers


def test_the_same_form_sent_four_times_at_once_is_done_once(api, demo_engine):
    """A resend that arrives while the first is still being answered waits for that answer and gets it."""
    from concurrent.futures import ThreadPoolExecutor

    oid = dispatched_order(api)
    api.headers("volunteer")  # one session for all four (signed in before, not four times at once)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _i: accept(api, oid, "k-at-once"), range(4)))
    assert [r.status_code for r in answers] == [204] * 4
    assert len({r.headers["HX-Redirect"] for r in answers}) == 1
    assert sum(r.headers.get("X-Form-Replayed") == "1" for r in answers) == 3
    assert accepted(demo_engine, oid) == 1
