"""Numbers and dates as a person says them in Mandarin, for 朗读 (the read-aloud button, static/readaloud.js): the
page puts the words to read in a data attribute, and the browser's speech only speaks them. So 120 is 一百二十 (a
voice reading "120" digit by digit, or as "one hundred and twenty" in another language, helps nobody), 1005 is
一千零五, 20000 两万, −30 负三十, and a date 二〇二六年十二月六日 (the year digit by digit, as it is said)."""

import re
from datetime import date, datetime

DIGITS = "零一二三四五六七八九"
YEAR_DIGITS = "〇一二三四五六七八九"  # a year is read digit by digit, and written so: 二〇二六年
SMALL_UNITS = ("", "十", "百", "千")  # within a group of four digits
BIG_UNITS = ("", "万", "亿", "万亿")  # each group of four digits


def _group(n: int, *, leading: bool) -> str:
    """1..9999 in words. `leading`: the number's first group, where 10–19 are 十… (not 一十…). A group's first
    digit 2 before 百 or 千 is 两 (两千, 两万两千; 两万 itself is decided by the caller)."""
    words, zero_pending = [], False
    digits = [int(d) for d in f"{n:04d}"]
    started = False
    for position, digit in enumerate(digits):
        unit = SMALL_UNITS[3 - position]
        if digit == 0:
            zero_pending = started
            continue
        if zero_pending:
            words.append("零")
            zero_pending = False
        if not started and leading and digit == 1 and unit == "十":
            words.append("十")
        elif not started and digit == 2 and unit in ("百", "千"):
            words.append("两" + unit)
        else:
            words.append(DIGITS[digit] + unit)
        started = True
    return "".join(words)


def say_number(n: int) -> str:
    """An integer as it is said: 0 零, 15 十五, 120 一百二十, 1005 一千零五, 20000 两万, 100000 十万, −30 负三十."""
    if n < 0:
        return "负" + say_number(-n)
    if n == 0:
        return "零"
    if n >= 10000 ** len(BIG_UNITS):  # past 万亿: digit by digit (no sum of points is ever this large)
        return "".join(DIGITS[int(d)] for d in str(n))
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    words, zero_pending = [], False
    for index in range(len(groups) - 1, -1, -1):
        group, leading = groups[index], index == len(groups) - 1
        if group == 0:
            zero_pending = True
            continue
        if zero_pending or (not leading and group < 1000):
            words.append("零")
        zero_pending = False
        text = "两" if group == 2 and index > 0 else _group(group, leading=leading)
        words.append(text + BIG_UNITS[index])
    return "".join(words)


def say_points(n: int) -> str:
    """一百二十积分; 负三十积分."""
    return say_number(n) + "积分"


def say_change(n: int) -> str:
    """A line of a household's history: 加一百二十积分, 减三十积分, 零积分."""
    if n > 0:
        return "加" + say_points(n)
    if n < 0:
        return "减" + say_points(-n)
    return say_points(0)


def say_date(value: date | datetime) -> str:
    """二〇二六年十二月六日 (a datetime: its date, already in the reader's time zone)."""
    year = "".join(YEAR_DIGITS[int(d)] for d in str(value.year))
    return f"{year}年{say_number(value.month)}月{say_number(value.day)}日"


def say_time(value: datetime) -> str:
    """十四点零五分, 九点整."""
    minutes = "整" if value.minute == 0 else ("零" if value.minute < 10 else "") + say_number(value.minute) + "分"
    return f"{say_number(value.hour)}点{minutes}"


_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)")
_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?(年)?")


def _say_clock(match: re.Match) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    return say_time(datetime(2000, 1, 1, hour, minute))


def _say_match(match: re.Match) -> str:
    whole, fraction, year = match.group(1), match.group(2), match.group(3)
    if year and len(whole) == 4 and not fraction:  # 2026年 → 二〇二六年
        return "".join(YEAR_DIGITS[int(d)] for d in whole) + year
    if len(whole) > 8 or (len(whole) > 1 and whole.startswith("0")):  # a phone, a card or an account: digit by digit
        said = "".join(DIGITS[int(d)] for d in whole)
    else:
        said = say_number(int(whole))
    if fraction:
        said += "点" + "".join(DIGITS[int(d)] for d in fraction)
    return said + (year or "")


def say_text(text: str) -> str:
    """Written text with its numbers in words: 收入12000.5元 → 收入一万两千点五元, 2026年 → 二〇二六年,
    8:30 → 八点三十分; a run of more than eight digits (a phone or account number) digit by digit."""
    return _NUMBER.sub(_say_match, _CLOCK.sub(_say_clock, text or ""))
