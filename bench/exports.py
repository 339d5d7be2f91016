"""The exports at scale (issue #20 item 4): a county's villages with a year of evaluation rounds and credits (built
as bench/county.py builds them), then the county admin's four exports for the year, timed from outside (HTTP, one
server process), with the rows, the file sizes and the server's peak memory (which must not grow with the county:
the rows stream from a server-side cursor into a write-only workbook spooled to disk).

    .venv/bin/python bench/exports.py [--villages 20] [--households 500] [--months 12] [--backends sqlite]
"""

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from county import PHONES, build  # noqa: E402
from redeem import SECRET, backend_url, drop_backend, peak_rss_kb  # noqa: E402

from app.timeutil import shift_month, this_month  # noqa: E402
from tests.served import ServerProcess  # noqa: E402

KINDS = ("households", "ledger", "evaluations", "volunteer-hours")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--backends", default="sqlite")
    args = parser.parse_args()
    for name in args.backends.split(","):
        tmp = Path(tempfile.mkdtemp())
        url = backend_url(name, tmp)
        try:
            measure(name, url, tmp, args)
        finally:
            drop_backend(url)
            shutil.rmtree(tmp, ignore_errors=True)


def measure(name: str, url: str, tmp: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    made = build(url, villages=args.villages, households=args.households, months=args.months, criteria=3)
    print(f"{name}: {args.villages} villages × {args.households} households, {made['lines']:,} evaluation lines, "
          f"{made['entries']:,} ledger entries (made in {time.perf_counter() - started:.0f} s)")
    server = ServerProcess(url, tmp / "server.log", SECRET_KEY=SECRET, APP_ENV="development").start()
    try:
        with httpx.Client(base_url=server.base, timeout=1800) as client:
            login = client.post("/api/v1/auth/login", json={"phone": PHONES["county_admin"], "password": "demo1234"})
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            period = {"from": shift_month(this_month(), -(args.months - 1)), "to": this_month()}
            print(f"server RSS before: {peak_rss_kb(server.proc.pid) / 1024:.0f} MB")
            print(f"{'export (county, ' + str(args.months) + ' months)':<32}{'seconds':>9}{'rows':>11}{'MB':>8}"
                  f"{'peak RSS MB':>13}")
            for kind in KINDS:
                start = time.perf_counter()
                answer = client.get(f"/api/v1/org-units/{made['county']}/exports/{kind}.xlsx", params=period,
                                    headers=headers)
                seconds = time.perf_counter() - start
                assert answer.status_code == 200, answer.text[:200]
                cover = load_workbook(io.BytesIO(answer.content), read_only=True)["说明"]
                rows = next(r[1] for r in cover.iter_rows(values_only=True) if r and r[0] == "行数")
                print(f"{kind:<32}{seconds:>9.1f}{rows:>11,}{len(answer.content) / 2**20:>8.1f}"
                      f"{peak_rss_kb(server.proc.pid) / 1024:>13.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
