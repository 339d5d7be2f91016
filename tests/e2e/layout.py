"""What a phone user would notice about a page's layout, measured in the browser."""

MIN_TARGET = 44
# Every text on screen is at least 16 px: dates, 余 584, tags, tab labels and prices are read by villagers as much as
# the main line is (issue #7), many of them elderly. There is no smaller "secondary" size; the only small type is on
# the printed card (print styles, 8 pt on a bank-card-sized sheet), which this screen check does not measure.
MIN_TEXT_PX = 16

_MEASURE = """([minTarget, minText]) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const shown = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const label = (el) => {
    const text = (el.innerText || el.value || el.placeholder || "").trim().slice(0, 24);
    return `${el.tagName.toLowerCase()} "${text}"`;
  };
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px wide in ${width}px`);
  }
  for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < minTarget - 0.5 || r.width < minTarget - 0.5) {
      problems.push(`touch target ${label(el)} is ${Math.round(r.width)}x${Math.round(r.height)}px`);
    }
    if (r.left < -0.5 || r.right > width + 0.5) problems.push(`${label(el)} is cut off at the side`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !shown(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minText) problems.push(`text "${node.textContent.trim().slice(0, 24)}" is ${size}px (< ${minText}px)`);
  }
  return [...new Set(problems)];
}"""

def layout_problems(page) -> list[str]:
    """Sideways scrolling, cut-off or small touch targets, too-small text."""
    return page.evaluate(_MEASURE, [MIN_TARGET, MIN_TEXT_PX])
