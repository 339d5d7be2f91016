"""What axe-core's check costs a page, rule by rule: the demo world served under uvicorn (bench/page_weight.py's
`serve`), each page opened signed in, in a context of its own at 390×844, axe put in, then each rule the browser
tests run (tests/e2e/a11y.py: those that can find something serious or critical) timed alone in the page, and all of
them together as the tests run them. Times are the page's own (performance.now()), averaged over `--runs`.

    .venv/bin/python bench/axe_rules.py [--runs 3] [--top 15]

docs/performance.md, "Seventeenth session": 40-76 ms a page for all 67 rules, `color-contrast` ~44 ms of it.
"""

import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.page_weight import ATTENDANT, VILLAGER, serve  # noqa: E402
from tests.e2e.a11y import BLOCKING, BLOCKING_RULES, put_in_axe  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, system_chromium  # noqa: E402

OFFICIAL = "13800000001"
PAGES = [(VILLAGER, "/points"), (ATTENDANT, "/counter"), (VILLAGER, "/"), (VILLAGER, "/shop"),
         (OFFICIAL, "/admin/households"), (OFFICIAL, "/evaluation/board")]
TIME = """async ([ids, runs]) => {
  const timed = async (values) => {
    const began = performance.now();
    for (let i = 0; i < runs; i++) {
      await axe.run(document, {runOnly: {type: "rule", values}, resultTypes: ["violations"]});
    }
    return (performance.now() - began) / runs;
  };
  const out = {"(all together)": await timed(ids)};
  for (const id of ids) out[id] = await timed([id]);
  return out;
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    totals: Counter[str] = Counter()
    with serve() as (base, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=system_chromium() or shutil.which("chromium"),
                                             headless=True, args=CHROMIUM_ARGS)
        for phone, path in PAGES:
            context = browser.new_context(viewport=PHONE, locale="zh-CN", service_workers="block")
            context.request.post(f"{base}/login", form={"phone": phone, "password": "demo1234"}, max_redirects=0)
            page = context.new_page()
            page.goto(base + path, wait_until="load")
            put_in_axe(page)
            ids = page.evaluate(BLOCKING_RULES, list(BLOCKING))
            times = page.evaluate(TIME, [ids, args.runs])
            totals.update(times)
            elements = page.evaluate("document.querySelectorAll('*').length")
            print(f"{path}: {times['(all together)']:.0f} ms for {len(ids)} rules, {elements} elements")
            context.close()
        browser.close()
    print(f"\nms summed over the {len(PAGES)} pages (each rule alone; ~9 ms of any run is axe's fixed start):")
    for name, ms in totals.most_common(args.top):
        print(f"{ms:8.1f}  {name}")


if __name__ == "__main__":
    main()
