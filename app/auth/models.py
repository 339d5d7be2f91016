"""Signed-out tokens: refused until they would have expired anyway; the months a household signed in."""

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import ts_column


class RevokedToken(SQLModel, table=True):
    """A token signed out by its holder (its `jti`), kept until its `exp`; then it dies on its own and the row is
    cleared on a later sign-out."""

    __tablename__ = "revoked_tokens"

    jti: str = Field(primary_key=True, sa_type=String(64))
    user_id: int = Field(foreign_key="users.id", index=True)
    expires_at: datetime = Field(sa_column=ts_column(index=True))


class HouseholdSignIn(SQLModel, table=True):
    """A household some member of which signed in during a month (the villages' month, "2026-12"): one row per
    household and month, written at the first sign-in of the month and never again, so that the dashboards count
    active households (issue #20) by village and month without reading every sign-in."""

    __tablename__ = "household_sign_ins"
    __table_args__ = (UniqueConstraint("household_id", "month"),
                      Index("ix_household_sign_ins_village_id_month", "village_id", "month"))

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id")
    village_id: int = Field(foreign_key="org_units.id")
    month: str = Field(sa_type=String(7))
