"""The charts' geometry (app/dashboard/charts.py): what a reader sees in the bars and the line."""

from app.dashboard import charts


def test_bars_are_in_proportion_and_the_largest_fills_the_track():
    chart = charts.bar_chart("来源", [("直接奖励", 300), ("评比结果", 150), ("志愿服务", 0)])
    widths = [b.width for b in chart.bars]
    assert widths[0] == chart.bar_w and widths[1] == chart.bar_w / 2 and widths[2] == 0
    assert [b.text for b in chart.bars] == ["300", "150", "0"]
    assert chart.summary == "直接奖励 300；评比结果 150；志愿服务 0"


def test_nothing_to_draw_is_empty_bars_not_an_error():
    chart = charts.bar_chart("来源", [("直接奖励", 0)])
    assert chart.bars[0].width == 0 and charts.bar_chart("空", []).summary == "无数据"


def test_rates_sit_on_a_hundred_percent_scale_with_the_target_line():
    chart = charts.rate_chart("覆盖率", [("很长很长的村名字", 0.5), ("满了", 1.7)], target=0.6)
    assert chart.target_x == chart.bar_x + chart.bar_w * 0.6 and chart.target_text == "目标 60%"
    first, second = chart.bars
    assert first.low and not second.low and second.width == chart.bar_w  # over 100 % is drawn full, not past it
    assert first.label == "很长很长的…" and first.text == "50%"


def test_the_line_runs_from_the_first_month_to_the_last_with_zero_at_the_bottom():
    chart = charts.line_chart("每月", [("26/01", 0), ("26/02", 50), ("26/03", 100)])
    (x0, y0, _), (_, y1, _), (x2, y2, _) = chart.dots
    assert x0 < x2 and y0 > y1 > y2 and chart.top == "100"
    assert chart.points.count(",") == 3 and (chart.first, chart.last) == ("26/01", "26/03")
