"""Text typed by people: invisible-only text is refused, bidi controls never stored (app/text.py)."""

import pytest

from app.errors import ValidationFailed
from app.text import clean_reason, clean_text, has_visible


class TestCleanText:
    @pytest.mark.parametrize("value", ["", "  ", "\u200b", "\x00", "\u200b\u200c\u200d\ufeff", "\u202e", "\t\n",
                                       "\u3000", "\u0301"])
    def test_refuses_text_with_nothing_visible(self, value):
        with pytest.raises(ValidationFailed, match="请填写原因"):
            clean_reason(value)
        assert not has_visible(value)

    def test_drops_bidi_controls_and_control_characters(self):
        assert clean_text("\u202e鸡蛋\u202c 30枚\x00", label="商品名称", max_length=60) == "鸡蛋 30枚"
        assert clean_text("a\u2066b\u2069c\u200fd", label="名称", max_length=60) == "abcd"

    def test_keeps_ordinary_text_and_inner_spaces(self):
        assert clean_reason("  照顾瘫痪老母亲 多年  ") == "照顾瘫痪老母亲 多年"
        assert clean_text("第一行\n第二行", label="说明", max_length=60, multiline=True) == "第一行\n第二行"
        assert clean_text("第一行\n第二行", label="说明", max_length=60) == "第一行第二行"

    def test_caps_the_length_after_cleaning(self):
        assert clean_reason("好" * 200) == "好" * 200
        with pytest.raises(ValidationFailed, match="不能超过 200 个字"):
            clean_reason("好" * 201)

    def test_optional_text_may_be_left_empty(self):
        assert clean_text("\u200b", label="住址", max_length=200, required=False) == ""
