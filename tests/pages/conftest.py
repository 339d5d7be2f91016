"""Fixtures for the HTML pages: the app on a seeded SQLite file, a browser-like client, signing in by the form."""

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.db import session_for
from app.main import bind_app
from app.org.models import Household
from tests.conftest import DEMO, TestClient, make_settings, with_demo_world

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_engine(sqlite_engine) -> Engine:
    """The SQLite file holding the demo world (a copy of the run's template)."""
    return with_demo_world(sqlite_engine)


@pytest.fixture
def web(web_engine, routed_app) -> Iterator[TestClient]:
    """A client that behaves like a browser without JavaScript: cookies kept, redirects not followed."""
    application = bind_app(routed_app, make_settings(web_engine), web_engine, strict_templates=True)
    with TestClient(application, follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, who: str) -> str:
    """Log in through the form (the session cookie lands in the client); return the page's CSRF token."""
    r = client.post("/login", data={"phone": DEMO.get(who, who), "password": "demo1234"})
    assert r.status_code == 303, r.text
    return csrf_token(client.get("/me").text)


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page carries no CSRF field"
    return match.group(1)


def household_id(engine: Engine, head_name: str) -> int | None:
    with session_for(engine, write=False) as session:
        return session.exec(select(Household.id).where(Household.head_name == head_name)).first()


def household_count(engine: Engine) -> int:
    with session_for(engine, write=False) as session:
        return len(session.exec(select(Household.id)).all())
