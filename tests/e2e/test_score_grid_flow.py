"""评分表 in a real browser: the committee member opens a household's grid from the round page, scores two items
(one with a photo taken through the styled 拍照 button), saves once, and goes on with 下一户. Screenshots at 390×844
and 360×640: test-artifacts/screenshots/score-grid-*.png."""

import io
import random

import pytest
from PIL import Image

from tests.conftest import DEMO
from tests.e2e.test_shop_admin_flow import log_in
from tests.shop.pages.conftest import PHOTO

pytestmark = pytest.mark.browser
WAIT = 20_000


def big_photo(path) -> str:
    """A camera-sized photo (3000×2000, noisy so that it stays above 1 MB as a JPEG)."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (300, 200), bytes(rng.randrange(256) for _ in range(300 * 200 * 3)))
    out = io.BytesIO()
    image.resize((3000, 2000), Image.Resampling.NEAREST).save(out, "JPEG", quality=95)
    path.write_bytes(out.getvalue())
    assert path.stat().st_size > 1024 * 1024
    return str(path)


def grid_row(page, item: str):
    return page.locator("[data-testid=grid-row]", has_text=item)


def score_row(page, item: str, points: int | None, reason: str) -> None:
    """Fill one row of the open 评分表: the points (or tick a 0-point item) and the reason."""
    row = grid_row(page, item)
    if points is None:
        row.get_by_role("checkbox").check()
    else:
        row.locator("input.grid-points").fill(str(points))
    row.locator("input.grid-reason").fill(reason)


def open_grid(page, household: str) -> None:
    """From the round page: the household's 评分 link, then wait for its grid."""
    page.locator("[data-testid=household-line]", has_text=f"{household}家").get_by_role("link", name="评分").click()
    page.locator("[data-testid=grid-household]", has_text=household).wait_for(timeout=WAIT)


def test_committee_scores_a_household_through_the_grid(live_server, new_context, shoot, tmp_path):
    base = live_server
    page = new_context().new_page()
    log_in(page, base, DEMO["committee"], to="/")
    page.get_by_role("link", name="去评分").click()
    page.get_by_role("heading", name="参评农户").wait_for(timeout=WAIT)
    open_grid(page, "李秀英")
    assert page.locator("[data-testid=grid-row]").count() == 14
    score_row(page, "门前三包落实", 2, "")  # no reason: refused beside the row, nothing saved
    page.get_by_role("button", name="保存这一户").click()
    page.get_by_test_id("grid-error").wait_for(timeout=WAIT)
    assert grid_row(page, "门前三包落实").get_by_test_id("row-error").inner_text() == "请填写评分理由"
    assert "门前三包落实：请填写评分理由" in page.get_by_test_id("grid-error").inner_text()  # named at the top
    assert grid_row(page, "门前三包落实").locator("input.grid-points").input_value() == "2"  # as typed
    page.set_viewport_size({"width": 360, "height": 640})
    shoot(page, "score-grid-refused-360")
    page.set_viewport_size({"width": 390, "height": 844})
    grid_row(page, "门前三包落实").locator("input.grid-reason").fill("门前干净")
    score_row(page, "赡养老人尽心", 10, "常年照顾卧床的婆婆")
    score_row(page, "不赡养老人", None, "测试：选中再取消")
    grid_row(page, "不赡养老人").get_by_role("checkbox").uncheck()
    grid_row(page, "不赡养老人").locator("input.grid-reason").fill("")
    grid_row(page, "赡养老人尽心").locator("input[type=file]").set_input_files(str(PHOTO))
    chosen = grid_row(page, "赡养老人尽心").locator(".file-chosen")
    chosen.wait_for(timeout=WAIT)
    assert "rice.jpg" in chosen.inner_text()
    shoot(page, "score-grid-filled-390")
    page.get_by_role("button", name="保存这一户").click()
    page.get_by_text("已保存这一户的评分").wait_for(timeout=WAIT)
    row = grid_row(page, "赡养老人尽心")
    assert row.locator("input.grid-points").input_value() == "10"
    assert row.get_by_role("link", name="已有照片").count() == 1
    shoot(page, "score-grid-saved-390")
    page.set_viewport_size({"width": 360, "height": 640})
    shoot(page, "score-grid-saved-360")

    page.get_by_test_id("next-household").click()
    page.locator("[data-testid=grid-household]", has_text="赵德明").wait_for(timeout=WAIT)
    score_row(page, "卫生不整洁", None, "院里柴草乱堆")
    grid_row(page, "卫生不整洁").locator("input[type=file]").set_input_files(big_photo(tmp_path / "camera.jpg"))
    grid_row(page, "卫生不整洁").get_by_text("（已缩小）").wait_for(timeout=WAIT)  # made smaller on the phone
    page.get_by_role("button", name="保存这一户").click()
    page.get_by_text("已保存这一户的评分").wait_for(timeout=WAIT)
    assert grid_row(page, "卫生不整洁").get_by_role("checkbox").is_checked()
    assert grid_row(page, "卫生不整洁").get_by_role("link", name="已有照片").count() == 1
    page.get_by_role("link", name="返回").click()
    page.get_by_role("heading", name="参评农户").wait_for(timeout=WAIT)
    mine = page.locator("#my-scores")
    assert "常年照顾卧床的婆婆" in mine.inner_text() and "院里柴草乱堆" in mine.inner_text()
    shoot(page, "score-grid-round-360")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "score-grid-round-390")
