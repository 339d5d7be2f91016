"""Small charts drawn on the server (issue #20): the geometry of horizontal bars and of a line, in the units of an
SVG viewBox 340 wide (a phone's card at 390 px shows them at about their own size, so 16-unit text reads as 16 px).
web/dashboard/_charts.html draws them as inline <svg> with a title and an aria-label; no script, no library."""

from dataclasses import dataclass

WIDTH = 340
LABEL_W = 96  # the bar's label, left of it (six CJK characters at 16 px)
VALUE_W = 72  # the figure, right of the bar
ROW = 34
MAX_LABEL = 6  # characters of a label in a chart (the table beside it has the whole name)


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the figure as shown ("1,200", "63%")
    y: float
    width: float
    low: bool = False  # below the target line (a coverage bar under 60 %)


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    bar_x: float
    bar_w: float
    target_x: float | None = None  # x of the target line (coverage: 60 %)
    target_text: str = ""

    @property
    def summary(self) -> str:
        """What the chart says, for its aria-label: every bar's label and figure."""
        return "；".join(f"{b.label} {b.text}" for b in self.bars) or "无数据"


@dataclass(frozen=True)
class LineChart:
    title: str
    points: str  # "x,y x,y …" for a polyline
    dots: list[tuple[float, float, str]]  # x, y, the month's figure (for the screen reader's table and the dots)
    height: int
    first: str
    last: str
    top: str  # the largest figure, at the top of the axis
    summary: str


def short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def bar_chart(title: str, items: list[tuple[str, int]], *, unit: str = "") -> BarChart:
    """Bars for figures (points by source or category): the largest fills the width."""
    top = max((value for _, value in items), default=0)
    bar_w = WIDTH - LABEL_W - VALUE_W
    bars = [Bar(short(label), f"{value:,}{unit}", 8 + i * ROW, bar_w * max(value, 0) / top if top > 0 else 0)
            for i, (label, value) in enumerate(items)]
    return BarChart(title, bars, 16 + len(items) * ROW, LABEL_W, bar_w)


def rate_chart(title: str, items: list[tuple[str, float]], *, target: float) -> BarChart:
    """Bars for rates (0–1, coverage) on a 0–100 % scale, with the target's line across them."""
    bar_w = WIDTH - LABEL_W - VALUE_W
    bars = [Bar(short(label), f"{round(rate * 100)}%", 8 + i * ROW, bar_w * min(max(rate, 0.0), 1.0),
                low=rate < target) for i, (label, rate) in enumerate(items)]
    return BarChart(title, bars, 16 + len(items) * ROW + 22, LABEL_W, bar_w, LABEL_W + bar_w * target,
                    f"目标 {round(target * 100)}%")


def line_chart(title: str, items: list[tuple[str, int]], *, height: int = 150) -> LineChart:
    """A line of one figure per month (points issued), months left to right, 0 at the bottom."""
    top = max((value for _, value in items), default=0)
    left, right, upper, lower = 8, WIDTH - 8, 28, height - 28
    step = (right - left) / (len(items) - 1) if len(items) > 1 else 0

    def y(value: int) -> float:
        return round(lower - (lower - upper) * (max(value, 0) / top if top > 0 else 0), 1)

    dots = [(round(left + i * step if len(items) > 1 else WIDTH / 2, 1), y(value), f"{value:,}")
            for i, (_, value) in enumerate(items)]
    summary = "；".join(f"{month} {value:,}" for month, value in items) or "无数据"
    return LineChart(title, " ".join(f"{x},{y_}" for x, y_, _ in dots), dots, height,
                     items[0][0] if items else "", items[-1][0] if items else "", f"{top:,}", summary)
