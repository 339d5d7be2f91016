"""What a phone user would notice about a page's layout, measured in the browser."""

# Text allowed below 16 px (but not below 13 px): metadata beside the main text, tags, the tab bar's labels.
SECONDARY_TEXT = ".entry-meta, .entry-meta *, .entry-amount small, .tag, .tabbar, .tabbar *, small, .small"
MIN_TARGET = 44
MIN_BODY_PX = 16
MIN_SECONDARY_PX = 13

_MEASURE = """([secondary, minTarget, minBody, minSecondary]) => {
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
    const min = el.matches(secondary) ? minSecondary : minBody;
    if (size < min) problems.push(`text "${node.textContent.trim().slice(0, 24)}" is ${size}px (< ${min}px)`);
  }
  return [...new Set(problems)];
}"""

def layout_problems(page) -> list[str]:
    """Sideways scrolling, cut-off or small touch targets, too-small text."""
    return page.evaluate(_MEASURE, [SECONDARY_TEXT, MIN_TARGET, MIN_BODY_PX, MIN_SECONDARY_PX])
