"""A 村规民约's text as articles: each article a paragraph opening with 第一条, 第二条 …; lines before the first
article are its preamble. An amendment of changed articles is written into the whole text here, numbered anew."""

import re
from dataclasses import dataclass

from app.errors import ValidationFailed

_DIGITS = "零一二三四五六七八九"
_HEAD = re.compile(r"^\s*第([零〇一二三四五六七八九十百两\d]+)条[\s　：:]*")
MAX_ARTICLES = 200


@dataclass(frozen=True)
class Article:
    number: int
    label: str  # 第三条
    text: str


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (enough for a compact's articles)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + _DIGITS[rest]) if rest < 10 else (
        "一" + chinese_number(rest) if rest < 20 else chinese_number(rest))
    return _DIGITS[n // 100] + "百" + tail


def label(n: int) -> str:
    return f"第{chinese_number(n)}条"


def parse(body: str) -> tuple[str, list[Article]]:
    """The preamble and the articles, numbered in the order they stand (the numbers typed are not trusted)."""
    preamble: list[str] = []
    texts: list[list[str]] = []
    for line in (body or "").splitlines():
        head = _HEAD.match(line)
        if head:
            texts.append([line[head.end():].strip()])
        elif texts:
            texts[-1].append(line.strip())
        else:
            preamble.append(line.rstrip())
    articles = [Article(i, label(i), "\n".join(t for t in lines if t).strip()) for i, lines in enumerate(texts, 1)]
    return "\n".join(preamble).strip(), articles


def compose(preamble: str, texts: list[str]) -> str:
    """The whole text: the preamble, then each article as its own paragraph, numbered 第一条 … in order."""
    parts = [preamble.strip()] if preamble.strip() else []
    parts += [f"{label(i)}　{text.strip()}" for i, text in enumerate(texts, 1)]
    return "\n\n".join(parts)


def normalised(body: str) -> str:
    """A whole text as typed, numbered anew and laid out one article a paragraph; refused without articles."""
    preamble, articles = parse(body)
    if not articles:
        raise ValidationFailed("村规民约应逐条书写，每条以“第一条”“第二条”……开头", field="body")
    if len(articles) > MAX_ARTICLES:
        raise ValidationFailed(f"村规民约最多 {MAX_ARTICLES} 条", field="body")
    if any(not a.text for a in articles):
        raise ValidationFailed("有一条没有内容，请补上或删去", field="body")
    return compose(preamble, [a.text for a in articles])


def apply_changes(body: str, changes: list[tuple[int, str]]) -> str:
    """The text with these articles rewritten (an empty text strikes one out; one past the last adds one). Numbers
    refer to the text in force; the result is numbered anew."""
    preamble, articles = parse(body)
    texts: list[str | None] = [a.text for a in articles]
    added: list[str] = []
    seen: set[int] = set()
    for number, text in changes:
        if number in seen:
            raise ValidationFailed(f"{label(number)}改了两次，请合成一处", field="articles")
        seen.add(number)
        if 1 <= number <= len(texts):
            texts[number - 1] = text.strip() or None
        elif number == len(texts) + 1 + len(added) and text.strip():
            added.append(text.strip())
        else:
            raise ValidationFailed(f"没有{label(number)}：现行村规民约共 {len(texts)} 条，新增的条款请接着往后编号",
                                   field="articles")
    return normalised(compose(preamble, [t for t in texts if t] + added))
