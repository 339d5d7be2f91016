"""For tests that call a domain's service functions directly (tests/<domain>/test_service.py): a demo account as an
Actor, a household by its head's name."""

from sqlmodel import select

from app.org.access import Actor, load_actor
from app.org.models import Household, User
from tests.conftest import DEMO


def who(session, name: str) -> Actor:
    return load_actor(session, session.exec(select(User).where(User.phone == DEMO[name])).one())


def head(session, name: str) -> Household:
    return session.exec(select(Household).where(Household.head_name == name)).one()
