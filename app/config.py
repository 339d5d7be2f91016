"""Settings read from the environment (pydantic-settings)."""

import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"
STATIC_DIR = ROOT / "static"
WEAK_SECRETS = {"changeme", "secret", "dev", "development", "test", "password"}
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class DbLimits:
    """How many connections, and how long anything waits: a wait past these answers 503 busy, never a hang."""

    pool_size: int = 20  # connections kept open; a request holds at most one at a time
    max_overflow: int = 20  # more opened under load, closed again after
    pool_timeout: float = 10.0  # seconds to wait for a free connection
    write_wait: float = 10.0  # seconds to wait for the writer (SQLite) or a row lock (PostgreSQL)


class UnsafeConfiguration(RuntimeError):
    """The configuration would run production with a guessable secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    app_env: str = Field(default="development", description="development | production")
    database_url: str = f"sqlite:///{VAR_DIR / 'zhenfeng.db'}"
    secret_key: str = ""
    access_token_minutes: int = 7 * 24 * 60
    timezone: str = "Asia/Shanghai"
    cookie_secure: bool = False
    login_free_failures: int = 3  # wrong passwords per phone and address before the waits begin
    login_max_delay: int = 300  # the longest wait (seconds) one phone and address is made to take
    login_attempts_per_phone: int = 30  # per phone across addresses, in the window (its own addresses not held)
    login_attempts_per_client: int = 50  # per address across phones, in the window (right passwords not counted)
    login_window_seconds: int = 900
    # Server processes `python -m app serve` starts (uvicorn workers): more than one needs PostgreSQL, through which
    # they share the rate limits and each shop's turns (SQLite is served by one process: its writer queue is in it).
    workers: int = Field(default=1, ge=1, le=64)
    trusted_proxies: str = ""  # addresses (or networks) of the reverse proxy whose X-Forwarded-For is believed
    code_tries_per_minute: int = 60
    # Signed-out public pages (a village's 积分公示 for everyone) per client address per minute: 429 past it.
    public_pages_per_minute: int = 120
    # Failed pay-code / card-number look-ups (unknown, expired, used, another village's) in the window, per attendant
    # and per shop; past them the counter answers 429 until the window has moved on (issue #7, item 4).
    code_failures_per_attendant: int = 20
    code_failures_per_shop: int = 50
    code_failure_window_seconds: int = 600
    db_pool_size: int = DbLimits.pool_size
    db_max_overflow: int = DbLimits.max_overflow
    db_pool_timeout: float = DbLimits.pool_timeout
    db_write_wait: float = DbLimits.write_wait
    max_body_bytes: int = 1024 * 1024  # a JSON or form body; larger is refused 413 before it is read
    max_upload_bytes: int = 6 * 1024 * 1024  # a multipart upload: a goods photo (5 MB) and the form around it
    # Web Push of 消息 (issue #18; app/inbox/push.py): off unless turned on with a VAPID key pair (the public key in
    # the browser's base64url form, the private key as py-vapid reads it: a PEM file's path or its base64url DER).
    web_push: bool = False
    vapid_public_key: str = ""
    vapid_private_key: str = ""
    vapid_subject: str = "mailto:admin@localhost"  # who runs this server, for the push services
    metrics_token: str = ""  # /metrics answers whoever sends it as a Bearer token; unset: /metrics is a 404
    log_file: str = ""  # JSON log lines go here (reopened after logrotate moves it); unset: stderr

    def db_limits(self) -> DbLimits:
        return DbLimits(pool_size=self.db_pool_size, max_overflow=self.db_max_overflow,
                        pool_timeout=self.db_pool_timeout, write_wait=self.db_write_wait)

    @property
    def on_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def trusted_proxy_list(self) -> list[str]:
        return [item.strip() for item in self.trusted_proxies.split(",") if item.strip()]

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def resolved_secret(self) -> str:
        """The JWT secret: from SECRET_KEY, or (outside production) one generated into var/."""
        key = self.secret_key.strip()
        if key:
            if self.is_production and (len(key) < MIN_SECRET_LENGTH or key.lower() in WEAK_SECRETS):
                raise UnsafeConfiguration(f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} random characters")
            return key
        if self.is_production:
            raise UnsafeConfiguration("APP_ENV=production needs SECRET_KEY (at least 32 random characters)")
        return _local_secret()


def _local_secret() -> str:
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
