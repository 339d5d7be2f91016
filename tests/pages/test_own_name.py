"""One's own name in full to oneself (issue #18): a villager reads his own household's name unmasked on 首页, 积分,
and the shop's basket page; everyone else's name stays masked (王*国) to him, and his to them. The pay-code screen
masks it even to him: he holds it up at the counter, where the queue can read it (shared/ux.md)."""

from tests.pages.conftest import sign_in


def test_own_household_in_full_on_his_own_pages(web):
    sign_in(web, "villager")  # 王建国, of 王建国's household
    for path in ("/", "/points"):
        page = web.get(path).text
        assert "王建国家" in page and "王*国" not in page, path
    pay = web.get("/pay").text
    assert "王*国家" in pay and "王建国" not in pay


def test_another_villager_reads_him_masked_and_himself_in_full(web):
    sign_in(web, "volunteer")  # 李志愿, of 李秀英's household in the same village
    assert "李秀英家" in web.get("/").text
    notice = web.get("/evaluation/points").text.split("</header>")[1]  # 积分公示: every household of the month
    assert "<strong>王*国家</strong>" in notice and "<strong>赵*明家</strong>" in notice and "王建国" not in notice
    assert "<strong>李秀英家</strong>" in notice and "李*英" not in notice
