"""Helpers for the 申报 tests: the demo village's claimable criteria, 王建国's household and its balance."""

import io

import pytest
from PIL import Image
from sqlmodel import select

from app.db import session_for
from app.ledger.accounts import household_account
from app.org.models import Household


def criterion_id(api, name: str = "门前三包落实") -> int:
    return next(c["id"] for c in api.get("/criteria", "villager").json()["items"] if c["name"] == name)


def wang(engine) -> Household:
    with session_for(engine, write=False) as s:
        return s.exec(select(Household).where(Household.head_name == "王建国")).one()


def balance(engine, household_id: int) -> int:
    with session_for(engine, write=False) as s:
        return household_account(s, household_id=household_id).balance


def photo_with_gps() -> bytes:
    """A JPEG carrying EXIF (a GPS tag, a camera make): what a phone's camera writes."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (34.0, 12.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 160, 60)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def claim_id(api) -> int:
    """A claim of 门前三包落实 (3 points) by 王建国, waiting."""
    r = api.post("/claims", "villager", json={"criterion_id": criterion_id(api), "note": "门前三包做到了"})
    assert r.status_code == 201, r.text
    return r.json()["id"]
