"""Signed-out tokens: refused until they would have expired anyway."""

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.timeutil import ts_column


class RevokedToken(SQLModel, table=True):
    """A token signed out by its holder (its `jti`), kept until its `exp`; then it dies on its own and the row is
    cleared on a later sign-out."""

    __tablename__ = "revoked_tokens"

    jti: str = Field(primary_key=True, sa_type=String(64))
    user_id: int = Field(foreign_key="users.id", index=True)
    expires_at: datetime = Field(sa_column=ts_column(index=True))
