"""朗读: numbers and dates as a person says them (app/speech.py), the words the 朗读 button reads."""

from datetime import date, datetime

import pytest

from app.speech import say_change, say_date, say_number, say_points, say_text, say_time


class TestSayNumber:
    @pytest.mark.parametrize(("n", "words"), [
        (0, "零"), (1, "一"), (2, "二"), (7, "七"), (10, "十"), (11, "十一"), (15, "十五"), (20, "二十"),
        (22, "二十二"), (100, "一百"), (101, "一百零一"), (110, "一百一十"), (120, "一百二十"), (200, "两百"),
        (999, "九百九十九"), (1000, "一千"), (1005, "一千零五"), (1010, "一千零一十"), (1200, "一千二百"),
        (2000, "两千"), (2222, "两千二百二十二"), (10000, "一万"), (10005, "一万零五"), (10050, "一万零五十"),
        (12000, "一万两千"), (20000, "两万"), (22000, "两万两千"), (100000, "十万"), (120000, "十二万"),
        (1000000, "一百万"), (1020000, "一百零二万"), (2000000, "两百万"), (100000000, "一亿"),
        (100010000, "一亿零一万"), (200000000, "两亿"),
    ])
    def test_reads_as_spoken(self, n, words):
        assert say_number(n) == words

    def test_negative_is_fu(self):
        assert say_number(-30) == "负三十"
        assert say_number(-1005) == "负一千零五"

    def test_beyond_wan_yi_is_read_digit_by_digit(self):
        assert say_number(10 ** 16) == "一" + "零" * 16


class TestSayPoints:
    def test_points_and_changes(self):
        assert say_points(120) == "一百二十积分"
        assert say_points(-30) == "负三十积分"
        assert say_change(120) == "加一百二十积分"
        assert say_change(-67) == "减六十七积分"
        assert say_change(0) == "零积分"


class TestSayDate:
    def test_year_digit_by_digit_month_and_day_as_numbers(self):
        assert say_date(date(2026, 12, 6)) == "二〇二六年十二月六日"
        assert say_date(datetime(2030, 1, 20, 9, 5)) == "二〇三〇年一月二十日"

    def test_time(self):
        assert say_time(datetime(2026, 12, 6, 14, 5)) == "十四点零五分"
        assert say_time(datetime(2026, 12, 6, 9, 0)) == "九点整"
        assert say_time(datetime(2026, 12, 6, 20, 30)) == "二十点三十分"


class TestSayText:
    def test_numbers_in_written_text(self):
        assert say_text("收入12000.5元，共3户") == "收入一万两千点五元，共三户"
        assert say_text("2026年预算") == "二〇二六年预算"
        assert say_text("上午8:30到11：00") == "上午八点三十分到十一点整"

    def test_long_runs_and_leading_zeros_digit_by_digit(self):
        assert say_text("电话13800000004") == "电话一三八零零零零零零零四"
        assert say_text("第007号") == "第零零七号"

    def test_text_without_numbers_is_unchanged(self):
        assert say_text("村务公开") == "村务公开"
        assert say_text("") == ""
