"""Helpers for the 一约四会 tests: 示范村's councils and people of the demo world (app/councils/demo.py)."""

from sqlmodel import select

from app.councils.models import Council
from app.db import session_for
from app.org.models import OrgUnit, User


def village_id(engine, name: str = "示范村") -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(OrgUnit.id).where(OrgUnit.name == name)).one()


def council_id(engine, kind: str, village: str = "示范村") -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(Council.id).join(OrgUnit, OrgUnit.id == Council.village_id)
                      .where(OrgUnit.name == village, Council.kind == kind)).one()


def user_id(engine, phone_or_name: str) -> int:
    with session_for(engine, write=False) as s:
        return s.exec(select(User.id).where((User.phone == phone_or_name) | (User.name == phone_or_name))).first()
