"""Hostile input in a real browser (issue #7, item 3): a link naming an id out of range and a form past the body
cap answer plain Chinese pages, laid out like every other page."""

import pytest

from tests.conftest import DEMO
from tests.e2e.test_foundation_flow import log_in

pytestmark = pytest.mark.browser

BIG = "99999999999999999999"


def test_an_id_out_of_range_and_a_form_too_large_are_explained(live_server, new_context, shoot):
    page = new_context().new_page()
    log_in(page, live_server, DEMO["official"])

    answer = page.goto(f"{live_server}/admin/households/{BIG}")
    assert answer.status == 404
    assert page.get_by_text("找不到该页面或记录").is_visible() and "household_id" not in page.content()
    shoot(page, "refusal-id-out-of-range")

    page.goto(f"{live_server}/admin/households/new")
    with page.expect_navigation():  # a form carrying 2 MB: refused before the server reads it
        page.evaluate("""() => {
            const form = document.querySelector('form[action="/admin/households"]');
            form.removeAttribute('hx-post'); document.body.removeAttribute('hx-boost');
            const big = document.createElement('input');
            big.type = 'hidden'; big.name = 'address'; big.value = 'x'.repeat(2 * 1024 * 1024);
            form.appendChild(big); form.submit();
        }""")
    assert page.get_by_text("提交的内容太大，请删减后再试").is_visible()
    shoot(page, "refusal-form-too-large")
