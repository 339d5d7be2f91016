"""Ids beyond 64 bits (or below 1), anywhere a request can carry one, are a clear 4xx — never a 500 (issue #7, item 3).

The rule (app/ids.py): in the URL's path 404 `not_found`; in a query, a form or a JSON body 422 `validation_error`.
A guard rail fails when a route takes an id without the bounded types."""

import types
import typing
from typing import Annotated, Union

import pytest
from annotated_types import Ge, Le
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import select

from app.config import Settings
from app.db import session_for
from app.deps import SessionDep
from app.errors import ValidationFailed
from app.ids import MAX_ID
from app.main import create_app
from app.org.models import Household
from app.paging import encode_cursor
from tests.conftest import error_code, make_settings
from tests.one_hop import TestClient

BIG = "99999999999999999999"  # 2**66 and a bit: past every 64-bit integer (SQLite's driver overflowed: 500)
PAST_PG = "3000000000"  # within 64 bits, past PostgreSQL's 32-bit integer keys (PostgreSQL failed: 500)
OUT_OF_RANGE = [BIG, str(2**63), PAST_PG, "0", "-1"]


# --- the guard rail: every id a route takes is bounded ------------------------------------------------------------

def _bounded(metadata) -> bool:
    low = [m.ge for m in metadata if isinstance(m, Ge)]
    high = [m.le for m in metadata if isinstance(m, Le)]
    return bool(low and high) and min(low) >= 0 and max(high) <= MAX_ID


def unbounded_ids(annotation, name: str, metadata=(), seen=None) -> list[str]:
    """Names of the id fields (`id`, `…_id`) in `annotation` that are integers without 64-bit bounds."""
    seen = set() if seen is None else seen
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    is_id = name == "id" or name.endswith("_id")
    if origin is Annotated:
        return unbounded_ids(args[0], name, (*metadata, *annotation.__metadata__), seen)
    if annotation is int:
        return [name] if is_id and not _bounded(metadata) else []
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        return [found for arg in args for found in unbounded_ids(arg, name, metadata, seen)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
        seen.add(annotation)
        return [f"{name}.{found}" for field, info in annotation.model_fields.items()
                for found in unbounded_ids(info.annotation, field, info.metadata, seen)]
    return []


def route_contexts(app: FastAPI):
    for route in app.routes:
        # FastAPI ≥ 0.160 keeps included routers lazily; they list their routes with their full paths.
        for ctx in route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]:
            if isinstance(getattr(ctx, "original_route", ctx), APIRoute):
                yield ctx


def unbounded_in(app: FastAPI) -> list[str]:
    found = []
    for ctx in route_contexts(app):
        dependants = [ctx.dependant]
        while dependants:
            dep = dependants.pop()
            dependants += dep.dependencies
            for param in (*dep.path_params, *dep.query_params, *dep.header_params, *dep.cookie_params,
                          *dep.body_params):
                info = param.field_info
                found += [f"{ctx.path} {bad}" for bad in unbounded_ids(info.annotation, param.name, info.metadata)]
    return found


@pytest.fixture(scope="module")
def real_app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://", secret_key="x" * 40))


def test_every_route_takes_ids_within_64_bits(real_app):
    assert unbounded_in(real_app) == []


def test_the_guard_sees_path_query_form_and_body_ids(real_app):
    found = {(ctx.path, p.name) for ctx in route_contexts(real_app)
             for p in (*ctx.dependant.path_params, *ctx.dependant.query_params, *ctx.dependant.body_params)}
    assert ("/api/v1/households/{household_id}", "household_id") in found  # path
    assert ("/api/v1/me/redemptions", "after_id") in found  # query
    assert ("/shop/manage/goods", "shop_id") in found  # form
    assert ("/api/v1/shops/{shop_id}/redemptions", "body") in found  # JSON, with the basket's goods_id inside


def test_the_guard_catches_a_bare_int_id():
    class Line(BaseModel):
        goods_id: int
        quantity: int  # not an id: left to the service's own bounds

    class Basket(BaseModel):
        items: list[Line]
        shop_id: int | None = None

    toy = FastAPI()

    @toy.post("/things/{thing_id}")
    def _post(thing_id: int, body: Basket, after_id: int = 0) -> None: ...

    assert sorted(unbounded_in(toy)) == ["/things/{thing_id} after_id", "/things/{thing_id} body.items.goods_id",
                                         "/things/{thing_id} body.shop_id", "/things/{thing_id} thing_id"]


# --- what the report found, through the API and the pages (on both engines: SQLite overflowed, PostgreSQL not) ---

class TestInThePath:
    @pytest.mark.parametrize("bad", OUT_OF_RANGE)
    @pytest.mark.parametrize("path", ["/households/{}", "/shops/{}/goods", "/households/{}/ledger",
                                      "/redemptions/{}", "/shops/1/goods/{}/movements"])
    def test_an_api_path_naming_no_record_is_not_found(self, api, path, bad):
        r = api.get(path.format(bad), "official")
        assert r.status_code == 404 and error_code(r) == "not_found"

    def test_a_goods_photo_beyond_64_bits_is_not_found(self, api):
        r = api.client.get(f"/media/goods/{BIG}.jpg")
        assert r.status_code == 404

    def test_a_page_says_so_in_chinese(self, api):
        r = api.client.get(f"/admin/households/{BIG}", headers=api.headers("official"))
        assert r.status_code == 404 and "找不到该页面或记录" in r.text and "household_id" not in r.text


class TestInQueriesAndBodies:
    def test_after_id_beyond_64_bits_is_refused(self, api):
        r = api.get(f"/me/redemptions?after_id={BIG}", "villager")
        assert r.status_code == 422 and error_code(r) == "validation_error"
        assert api.get("/me/redemptions?after_id=0", "villager").status_code == 200  # 0: from the start

    @pytest.mark.parametrize("value", [10**20, int(PAST_PG)])
    def test_a_cursor_holding_a_huge_id_is_refused(self, api, value):
        r = api.get(f"/households/1/ledger?cursor={encode_cursor(value)}", "official")
        assert r.status_code == 422 and error_code(r) == "validation_error"

    @pytest.mark.parametrize("goods_id", [int(BIG), int(PAST_PG), 0])
    def test_a_basket_line_beyond_64_bits_is_refused(self, api, goods_id):
        code = api.get("/me/pay-code", "villager").json()["code"]
        r = api.post("/shops/1/redemptions", "attendant", json={"pay_code": code,
                                                                  "items": [{"goods_id": goods_id, "quantity": 1}]})
        assert r.status_code == 422 and error_code(r) == "validation_error"
        assert api.get("/households/1", "official").json()["balance"] == 600  # nothing taken

    def test_an_award_to_a_household_beyond_64_bits_is_refused(self, api):
        r = api.post("/points/awards", "official", json={"household_id": int(BIG), "points": 1, "reason": "好"})
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_a_form_field_beyond_64_bits_is_refused_in_chinese(self, api):
        r = api.client.get(f"/shop?shop_id={BIG}", headers=api.headers("villager"))
        assert r.status_code == 422 and "填写的内容有误" in r.text and "shop_id" not in r.text


class TestTheDatabaseRefusesWhatNeitherEngineCanHold:
    """app/db.py: the last line behind the edge — the same 422 on both engines, not a driver's 500."""

    def test_a_number_beyond_64_bits(self, demo_engine):
        with session_for(demo_engine, write=False) as s, pytest.raises(ValidationFailed):
            s.exec(select(Household).where(Household.id == 10**20)).first()

    def test_text_holding_nul(self, demo_engine):
        with session_for(demo_engine, write=False) as s, pytest.raises(ValidationFailed):
            s.exec(select(Household).where(Household.head_name == "王\x00建国")).first()

    def test_ordinary_values_pass(self, demo_engine):
        with session_for(demo_engine, write=False) as s:
            assert s.execute(text("SELECT :n"), {"n": 2**63 - 1}).scalar() == 2**63 - 1
            assert s.exec(select(Household.id).where(Household.id.in_([1, MAX_ID]))).all() == [1]

    def test_a_number_too_large_for_a_postgresql_column_is_refused_not_failed(self, demo_engine):
        """Any number that slips past the edge into an integer column: 422 on PostgreSQL, looked up on SQLite."""
        app = create_app(make_settings(demo_engine), demo_engine)

        @app.get("/api/v1/households-by-id")
        def _look_up(session: SessionDep, n: int) -> list:  # an unbounded int, as no route of ours takes
            return list(session.exec(select(Household.id).where(Household.id == n)))

        with TestClient(app) as client:
            r = client.get(f"/api/v1/households-by-id?n={PAST_PG}")
        if demo_engine.dialect.name == "postgresql":
            assert r.status_code == 422 and error_code(r) == "validation_error"
        else:
            assert r.status_code == 200 and r.json() == []
