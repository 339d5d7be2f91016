"""Passwords (argon2), access tokens (JWT, HS256 via python-jose) and CSRF tokens."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from jose import jwt
from jose.exceptions import JOSEError

from app.timeutil import utcnow

ALGORITHM = "HS256"
ISSUER = "zhenfeng"
AUDIENCE = "zhenfeng"
MAX_JTI = 64  # our tokens' ids are 16 characters; a revoked one is stored (app/auth/models.py)
_hasher = PasswordHasher()  # argon2-cffi's defaults (RFC 9106, low-memory profile): ~0.1-0.2 s a hash here
# Verifying against this keeps a wrong phone as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def use_cheap_hashing_for_tests() -> None:
    """Hash with argon2's cheapest parameters from now on: for the test suite only (tests/conftest.py calls this
    when it is imported; nothing in app/ does). A hash carries its own parameters, so strong hashes made before
    still verify; a wrong phone stays exactly as slow as a wrong password."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int
    jti: str
    expires_at: datetime


def create_access_token(*, secret: str, user_id: int, token_version: int, minutes: int) -> str:
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "tv": token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> TokenClaims | None:
    """The token's claims if it is ours, unexpired and complete; None for anything else."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require_exp": True, "require_iat": True, "require_sub": True, "require_aud": True,
                     "require_iss": True, "require_jti": True},
        )
    except JOSEError:
        return None
    # python-jose lets a token without aud/iss through when asked for them: check ourselves.
    if claims.get("aud") != AUDIENCE or claims.get("iss") != ISSUER:
        return None
    if not isinstance(claims.get("jti"), str) or not 0 < len(claims["jti"]) <= MAX_JTI:
        return None
    try:
        return TokenClaims(user_id=int(claims["sub"]), token_version=int(claims.get("tv", -1)), jti=str(claims["jti"]),
                           expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC))
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


def csrf_token_for(jti: str, *, secret: str) -> str:
    """The CSRF token bound to one login session (the token's jti)."""
    return hmac.new(secret.encode(), f"csrf:{jti}".encode(), hashlib.sha256).hexdigest()


def csrf_token_matches(candidate: str | None, *, jti: str, secret: str) -> bool:
    return bool(candidate) and hmac.compare_digest(candidate, csrf_token_for(jti, secret=secret))
