"""One line per purchase on the pages (issue #18): 积分, 首页's 最近明细 and the official's view of a household tell
a 扫码兑换 as one line (its ledger entries behind 明细), escaped, with the balance after its latest entry."""

from sqlmodel import select

from app.db import session_for
from app.org.access import load_actor
from app.org.models import User
from app.shop.catalogue.models import BasketLine
from app.shop.catalogue.service import create_goods
from app.shop.models import Shop
from app.shop.requests.service import cancel_request, create_request
from tests.conftest import TEST_SECRET
from tests.pages.conftest import household_id, sign_in


def basket(engine, *, name: str, cancel: bool) -> None:
    with session_for(engine, write=True) as s:
        shop = s.exec(select(Shop).where(Shop.name == "振风超市")).one()
        official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        goods = create_goods(s, actor=official, shop=shop, name=name, points_price=7, stock=5)
        villager = load_actor(s, s.exec(select(User).where(User.phone == "13800000004")).one())
        req = create_request(s, actor=villager, shop=shop, items=[BasketLine(goods_id=goods.id, quantity=2)],
                             idempotency_key=None, secret=TEST_SECRET)
        if cancel:
            cancel_request(s, actor=villager, shop=shop, request_id=req.id)
        s.commit()


def test_points_home_and_the_officials_view_tell_a_basket_as_one_line(web, web_engine):
    basket(web_engine, name="<b>肥皂</b>", cancel=True)
    basket(web_engine, name="酱油", cancel=False)
    sign_in(web, "villager")
    page = web.get("/points").text
    assert page.count('class="entry purchase') == 2
    assert "&lt;b&gt;肥皂&lt;/b&gt; ×2" in page and "<b>肥皂" not in page  # escaped
    assert ">已取消<" in page and "积分已全部退回" in page and ">兑换中<" in page and "已预留 14 积分" in page
    assert page.count("<details class=\"entry-legs\">") == 2 and "扫码兑换取消，预留积分退回" in page
    home = web.get("/").text.split("最近明细")[1]
    assert ">兑换中<" in home and "已取消" not in home and "预留退回" not in home  # what moved the balance
    sign_in(web, "official")
    seen = web.get(f"/admin/households/{household_id(web_engine, '王建国')}").text
    assert seen.count('class="entry purchase') == 2 and "撤销这笔积分" in seen  # awards still reversible
