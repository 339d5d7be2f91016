#!/bin/bash
# The CPU a command costs the whole machine: /usr/bin/time around it (its own process tree), then the machine's busy
# CPU-seconds (/proc/stat) and PostgreSQL's (its processes' own and reaped CPU) over the same span; and the machine's
# own speed just before and just after, the CPU time of 20 million additions in a Python loop (1.05-3.24 s on machines
# of this kind, and it moves within the hour: docs/performance.md compares runs by it).
#   bench/cpu_span.sh .venv/bin/python -m pytest -n 3 --dist worksteal -q        (docs/performance.md)
set -u
tick=$(getconf CLK_TCK)
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
postgres() {
    local total=0 pid
    for pid in $(pgrep -x postgres); do
        total=$((total + $(awk '{print $14+$15+$16+$17}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
speed() { python3 -c 'import time
t = time.process_time(); x = 0
for i in range(20_000_000): x += i
print(f"{time.process_time() - t:.2f}")'; }
before=$(speed)
b0=$(busy); p0=$(postgres); t0=$(date +%s.%N)
/usr/bin/time -f "the command: user %U s, system %S s, wall %e s" "$@"
status=$?
b1=$(busy); p1=$(postgres); t1=$(date +%s.%N)
echo "machine busy: $(( (b1 - b0) / tick )) CPU-s; PostgreSQL: $(( (p1 - p0) / tick )) CPU-s; wall $(echo "$t1 - $t0" | bc) s" >&2
echo "the machine's speed: 20 million additions in a Python loop took ${before} s just before, $(speed) s just after" >&2
exit $status
