"""The accessibility check every shot page passes (tests/e2e/a11y.py) can fail: on a page made to break the rules it
names each serious and critical finding, exactly those a full axe run names, and none of the milder ones."""

import pytest

from tests.e2e.a11y import axe_problems

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html><html lang="zh-CN"><head><title>坏页面</title>
<style>.faint { color: #ccc; background: #fff; }</style></head><body>
<h1>标题</h1><h4>跳过了两级的标题</h4>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p class="faint">看不清的浅灰字</p>
<input type="text" id="unnamed">
<button></button>
<div role="banner">不在顶层的横幅</div>
</body></html>"""

FULL_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter((v) => ["serious", "critical"].includes(v.impact)).map((v) => v.id)"""


def test_the_check_names_every_serious_finding_and_nothing_milder(browser):
    page = browser.new_page()
    page.set_content(BROKEN)
    found = {problem.split(" ")[0] for problem in axe_problems(page)}
    assert {"image-alt", "color-contrast", "label", "button-name"} <= found
    assert found == set(page.evaluate(FULL_RUN))  # the rules it leaves out could not have found anything it keeps
    milder = set(page.evaluate("async () => (await axe.run(document)).violations.map((v) => v.id)")) - found
    assert {"heading-order", "region"} <= milder  # moderate: advice, not a failure
    page.close()
