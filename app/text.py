"""Text typed by people, cleaned once: trimmed, bidi controls and other invisible controls dropped, length capped,
and refused when nothing visible is left (a zero-width space or a NUL is not a reason)."""

import unicodedata

from app.errors import ValidationFailed

# Characters that reorder text on screen (right-to-left override and friends): a name like
# "\u202e劵兑" would display reversed. They are removed, never stored.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters of no width (zero-width space, joiners, word joiner, BOM, Mongolian vowel separator): they hide inside
# a name or a reason so that two look alike and differ, in one line or many. Removed, never stored.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
# Unicode categories that draw nothing: controls, format characters (zero-width space, BOM…), separators,
# unassigned and private-use code points, and combining marks standing alone.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"}
_KEPT_CONTROLS = {"\n", "\t"}
MAX_REASON = 200


def has_visible(value: str) -> bool:
    """Whether the text shows at least one character on screen."""
    return any(unicodedata.category(ch) not in _INVISIBLE for ch in value)


def strip_controls(value: str, *, multiline: bool = False) -> str:
    """Drop bidi controls, zero-width characters and control characters (NUL, escape…); keep newlines and tabs only
    in multi-line text."""
    kept = _KEPT_CONTROLS if multiline else set()
    return "".join(ch for ch in value if ch not in BIDI_CONTROLS and ch not in ZERO_WIDTH
                   and (unicodedata.category(ch) != "Cc" or ch in kept))


def clean_text(value: str | None, *, label: str, max_length: int, required: bool = True,
               multiline: bool = False, field: str | None = None) -> str:
    """Trimmed text without invisible controls; required text must show a visible character. A refusal names the
    form `field` it is about, when given."""
    value = strip_controls(value or "", multiline=multiline).strip()
    if not has_visible(value):
        if required:
            raise ValidationFailed(f"请填写{label}", field=field)
        value = ""
    if len(value) > max_length:
        raise ValidationFailed(f"{label}不能超过 {max_length} 个字", field=field)
    return value


def clean_reason(value: str | None, *, label: str = "原因", max_length: int = MAX_REASON) -> str:
    """The written reason every correction, award and refusal carries."""
    return clean_text(value, label=label, max_length=max_length)
