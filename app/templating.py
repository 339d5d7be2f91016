"""Jinja environment: autoescape, Chinese msgids through gettext, local times."""

import uuid
from datetime import datetime
from functools import cache
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined, Undefined, pass_context

from app.ledger.history import as_stories
from app.ledger.models import CATEGORY_LABELS, KIND_LABELS
from app.org.models import ROLE_LABELS
from app.org.service import mask_name, shown_name
from app.shop.catalogue.service import goods_thumb_url
from app.speech import say_change, say_date, say_number, say_points, say_text, say_time
from app.static_files import static_url
from app.timeutil import local

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
HTMX_FILE = "htmx-2.0.11.min.js"


@pass_context
def household_name(context, household) -> str:
    """A household's name as the page's reader may read it: their own in full, anyone else's masked (王*国)."""
    return shown_name(context.get("actor"), name=household.head_name, household_id=household.id)


@cache
def make_templates(*, timezone: str, strict: bool = False) -> Jinja2Templates:
    """One environment per timezone and strictness in a process, so that an app bound again keeps the templates it
    has compiled (the test suite binds its app ~800 times)."""
    templates = Jinja2Templates(directory=str(WEB_DIR))
    env = templates.env
    env.undefined = StrictUndefined if strict else Undefined
    env.autoescape = True
    env.add_extension("jinja2.ext.i18n")
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

    def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return local(value, timezone).strftime(fmt) if value else ""

    env.filters["localtime"] = localtime
    # 朗读 (app/speech.py): the words a voice reads, in a data attribute of the 朗读 button (web/_macros.html)
    env.filters.update(say_number=say_number, say_points=say_points, say_change=say_change, say_text=say_text)
    env.filters["say_date"] = lambda value: say_date(local(value, timezone)) if value else ""
    env.filters["say_time"] = lambda value: say_time(local(value, timezone)) if value else ""
    env.filters["signed"] = lambda n: f"+{n}" if n > 0 else str(n)
    env.filters["mask_name"] = mask_name
    env.filters["household_name"] = household_name
    env.filters["as_stories"] = as_stories  # a household's history: a reversal told with what it undid
    env.globals["new_form_key"] = lambda: uuid.uuid4().hex  # see web/_macros.html form_key()
    env.filters["thumb"] = goods_thumb_url  # {{ g.image_url | thumb(160) }}: a goods photo's list size
    env.globals["static_url"] = static_url  # /static/app.<hash>.js, kept a year (app/static_files.py)
    env.globals.update(CATEGORY_LABELS=CATEGORY_LABELS, KIND_LABELS=KIND_LABELS, ROLE_LABELS=ROLE_LABELS,
                       HTMX_FILE=HTMX_FILE)
    return templates
