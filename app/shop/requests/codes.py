"""The 核销码 of a 扫码兑换 request: a bearer credential. Only its keyed hash is looked up; the digits are rebuilt
for the household's own phone from a random salt and the server's secret (a stolen database alone cannot rebuild a
live code)."""

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from app.errors import (
    InvalidPayCode,
)
from app.shop.redemption.paycodes import code_digest
from app.shop.requests.models import (
    ShopRequest,
)

REQUEST_CODE_PREFIX, REQUEST_CODE_LENGTH = "77", 16  # not 18 (积分码) nor 20 (积分卡): the counter tells them apart


# --- codes -----------------------------------------------------------------------------------------------------

def code_from_salt(salt: str, *, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"shop-request:{salt}".encode(), hashlib.sha256).hexdigest()
    width = REQUEST_CODE_LENGTH - len(REQUEST_CODE_PREFIX)
    return REQUEST_CODE_PREFIX + str(int(digest, 16) % 10 ** width).zfill(width)


def is_request_code(code: str | None) -> bool:
    code = (code or "").replace(" ", "").strip()
    return code.isdigit() and len(code) == REQUEST_CODE_LENGTH and code.startswith(REQUEST_CODE_PREFIX)


def new_code(session: Session, *, secret: str) -> tuple[str, str]:
    while True:  # a collision with an earlier code is about one in 10^14: draw again
        salt = secrets.token_hex(16)
        digest = code_digest(code_from_salt(salt, secret=secret), secret=secret)
        if session.exec(select(ShopRequest.id).where(ShopRequest.code_hash == digest)).first() is None:
            return salt, digest


def group_digits(code: str) -> str:
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def clean_request_code(code: str | None) -> str:
    code = (code or "").replace(" ", "").strip()
    if not is_request_code(code):
        raise InvalidPayCode(f"核销码应为 {REQUEST_CODE_LENGTH} 位数字，请重新扫码或核对后输入")
    return code
