"""What axe-core (Deque's accessibility engine) finds on a page: the serious and critical findings, in words.

axe-core is vendored from npm, pinned, its version in the file name (tests/e2e/vendor/axe-core-<version>.min.js;
upgrade by replacing the file: `npm pack axe-core@<version>` and copy package/axe.min.js). It is put into the page by
evaluating its text through Playwright (the DevTools protocol), not as a <script> tag: the app's content security
policy (script-src 'self') rightly refuses inline scripts, and the e2e fixtures fail on any CSP violation."""

from pathlib import Path

AXE_FILE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
BLOCKING = ("serious", "critical")  # moderate and minor findings are advice, not failures

# Only the rules that can find something serious or critical run: those of axe's default set (enabled, not
# experimental) whose own impact or any of whose checks' is at least serious. The rest (landmarks, region, heading
# order…) could only ever give findings this check drops, and were a third of each run's time. axe-core keeps these
# figures in its private `_audit` (the vendored file is pinned; an upgrade that moves them fails every shot loudly).
# The ids of those rules, as a function of the impacts that block (its text, for `page.evaluate` and for _RUN).
BLOCKING_RULES = """(blocking) => {
  const rank = {minor: 1, moderate: 2, serious: 3, critical: 4};
  const checks = axe._audit.data.checks;
  const worst = (rule) => Math.max(rank[rule.impact] || 0,
    ...[...rule.any, ...rule.all, ...rule.none].map((c) => rank[(checks[c.id || c] || {}).impact] || 0));
  const floor = Math.min(...blocking.map((impact) => rank[impact]));
  return axe._audit.rules.filter((r) => r.enabled && !r.tags.includes("experimental") && worst(r) >= floor)
    .map((r) => r.id);
}"""
_RUN = """async (blocking) => {
  const result = await axe.run(document, {runOnly: {type: "rule", values: (BLOCKING_RULES)(blocking)},
                                          resultTypes: ["violations"]});
  return result.violations
    .filter((v) => blocking.includes(v.impact))
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")), count: v.nodes.length}));
}""".replace("BLOCKING_RULES", BLOCKING_RULES)

_script: str | None = None


def axe_problems(page) -> list[str]:
    """Every serious or critical axe finding on the page as it is now: rule, impact, what it says, where."""
    put_in_axe(page)
    found = page.evaluate(_RUN, list(BLOCKING))
    problems = []
    for v in found:
        more = f" (+{v['count'] - len(v['targets'])} more)" if v["count"] > len(v["targets"]) else ""
        problems.append(f"{v['id']} [{v['impact']}] {v['help']}: {', '.join(v['targets'])}{more}")
    return problems


def put_in_axe(page) -> None:
    """axe-core in the page's current document, unless it is there already (once a document)."""
    global _script
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        if _script is None:
            _script = AXE_FILE.read_text(encoding="utf-8")
        page.evaluate(_script)
