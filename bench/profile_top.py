"""The top of a py-spy profile in its raw (folded) format: each function's share of the samples, by itself (self)
and with what it called (cumulative), biggest first.

    PY_SPY=/tmp/pyspy/bin/py-spy .venv/bin/python bench/redeem.py --backends sqlite --paths http \
        --profile /tmp/redeem.raw
    .venv/bin/python bench/profile_top.py /tmp/redeem.raw.sqlite [--top 15] [--by self|cumulative] [--idle]

Idle threads (waiting on a lock, a socket, a condition) are left out unless --idle: the shares are of the CPU the
server spent.
"""

import argparse
import re
from collections import Counter
from pathlib import Path

IDLE = re.compile(r"^(wait|_wait_for_tstate_lock|acquire|select|poll|epoll|_worker|run_forever|_run_once|sleep)"
                  r" \((threading|selectors|thread|concurrent|asyncio)")
FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(:\\d+)?\)$")


def short(frame: str) -> str:
    """`function (path/to/module.py:12)` as `function (module.py)`."""
    match = re.match(r"^(?P<func>.*?) \((?P<path>.*?)(?::\d+)?\)$", frame)
    if not match:
        return frame
    path = match["path"]
    for marker in ("site-packages/", "/redeem/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--by", choices=("self", "cumulative"), default="self")
    parser.add_argument("--idle", action="store_true")
    args = parser.parse_args()
    own, total = Counter(), Counter()
    samples = 0
    for line in Path(args.file).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = [short(f) for f in stack.split(";")]
        leaf = frames[-1]
        if not args.idle and IDLE.match(leaf):
            continue
        n = int(count)
        samples += n
        own[leaf] += n
        for frame in set(frames):
            total[frame] += n
    ranked = (own if args.by == "self" else total).most_common(args.top)
    print(f"{samples} samples ({'with' if args.idle else 'without'} idle threads); top {args.top} by {args.by}")
    print(f"{'self %':>7}{'cum %':>7}  function")
    for frame, _ in ranked:
        print(f"{100 * own[frame] / samples:>7.1f}{100 * total[frame] / samples:>7.1f}  {frame}")


if __name__ == "__main__":
    main()
