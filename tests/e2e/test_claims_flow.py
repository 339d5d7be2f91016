"""申报 in a real browser at 390×844 (issue #22 item 5): a villager files a claim with a photo and another
without; the committee member approves the first and refuses the second with a reason on 待审申报; the villager
sees both on 我的申报, and the approved one on 积分公示 under 申报.
Screenshots: test-artifacts/screenshots/claims-*.png."""

import pytest

from tests.claims.conftest import photo_with_gps
from tests.conftest import DEMO
from tests.e2e.conftest import log_in, shoot_both

pytestmark = pytest.mark.browser


def file_claim(page, base: str, item: str, note: str, photo=None) -> None:
    page.goto(f"{base}/claims/new")
    page.get_by_label("申报哪一项").select_option(label=next(
        o for o in page.locator("#claim-criterion option").all_inner_texts() if item in o))
    page.get_by_label("说一句做了什么").fill(note)
    if photo is not None:
        page.get_by_label("拍张照片（村里审核时看）").set_input_files(str(photo))
    page.get_by_role("button", name="提交申报").click()
    page.get_by_text("已提交申报").wait_for()


def test_a_claim_approved_and_one_refused(live_server, new_context, shoot, tmp_path):
    base = live_server
    photo = tmp_path / "door.jpg"
    photo.write_bytes(photo_with_gps())
    villager = new_context().new_page()
    log_in(villager, base, DEMO["villager"], to="/points")
    villager.get_by_test_id("points-claims").click()
    villager.get_by_role("link", name="我要申报").click()
    villager.get_by_label("申报哪一项").wait_for()
    shoot(villager, "claims-new")
    file_claim(villager, base, "门前三包落实", "门前屋后打扫干净了，垃圾分好类", photo)
    file_claim(villager, base, "赡养老人尽心", "这个月天天陪母亲看病")
    assert villager.get_by_test_id("my-claim").count() == 2
    shoot_both(villager, shoot, "claims-mine-pending")

    committee = new_context().new_page()
    log_in(committee, base, DEMO["committee"], to="/")
    committee.get_by_test_id("claims-queue-link").click()
    rows = committee.get_by_test_id("waiting-claim")
    rows.first.wait_for()
    assert rows.count() == 2
    committee.locator("img.claim-photo").first.wait_for()
    assert committee.locator("img.claim-photo").first.evaluate("img => img.naturalWidth") > 0
    shoot_both(committee, shoot, "claims-queue")
    committee.once("dialog", lambda dialog: dialog.accept())
    rows.filter(has_text="门前三包落实").get_by_role("button", name="通过，记 3 分").click()
    committee.get_by_text("已通过，积分已记入这户").wait_for()
    refused = committee.get_by_test_id("waiting-claim").filter(has_text="赡养老人尽心")
    refused.get_by_text("不通过").first.click()
    refused.get_by_label("不通过的理由（申报的村民会看到）").fill("村里没有看到陪护的记录，请带上病历再申报")
    refused.get_by_role("button", name="不通过").click()
    committee.get_by_text("已不通过，理由已告诉这户").wait_for()
    committee.get_by_text("没有等待审核的申报").wait_for()
    shoot(committee, "claims-queue-done")

    villager.goto(f"{base}/claims")
    mine = villager.get_by_test_id("my-claim")
    mine.filter(has_text="已通过").filter(has_text="积分已到账").wait_for()
    mine.filter(has_text="未通过").get_by_text("请带上病历再申报").wait_for()
    shoot_both(villager, shoot, "claims-mine-decided")
    mine.filter(has_text="门前三包落实").click()
    villager.get_by_test_id("claim").wait_for()
    villager.locator("img.claim-photo").wait_for()
    shoot(villager, "claims-detail")
    villager.goto(f"{base}/messages")
    villager.get_by_text("申报已通过：门前三包落实 +3 分").wait_for()
    villager.get_by_text("申报未通过：赡养老人尽心").wait_for()
    villager.goto(f"{base}/evaluation/points")
    villager.get_by_text("村民申报：门前三包落实").wait_for()
    shoot(villager, "claims-points-notice")
