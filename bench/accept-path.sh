#!/usr/bin/env bash
# The accept path (POST /v1/submissions until 202: store, guard, record, enqueue) with wrk: p50/p99 at
# 2 connections and requests/s at 8, three runs each, with the guard and registry running and the
# workers (scanner, evaluator) not started. A 240-byte kernel (examples/tasks/softmax_py), an
# operator's token (no quota). Measures the checkout at TREE (default: this one), which must be
# packaged (./mvnw package -DskipTests -pl services/registry,services/guard/app,services/gateway,tools/stack -am);
# the launcher runs from this checkout's tools/stack. Uses Redis db 3 and the database airlock_bench.
#   bench/accept-path.sh [TREE]        DURATION=10s RUNS=3 PORT=28080
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TREE="$(cd "${1:-$ROOT}" && pwd)"
DURATION="${DURATION:-10s}"
RUNS="${RUNS:-3}"
PORT="${PORT:-28080}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
WORK="$(mktemp -d)"
export AIRLOCK_BENCH_KERNEL="$ROOT/examples/tasks/softmax_py/submission.py"
CP="$ROOT/tools/stack/target/airlock-stack-0.1.0-SNAPSHOT.jar:$ROOT/tools/stack/target/lib/*"

coproc STACK { java -cp "$CP" "$ROOT/bench/AcceptStack.java" "$TREE" "$WORK" "$PORT" 2>"$WORK/launcher.err"; }
trap 'exec {STACK[1]}>&-; wait "$STACK_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
read -r up url <&"${STACK[0]}" || { cat "$WORK/launcher.err" >&2; exit 1; }
export AIRLOCK_TOKEN="$(cat "$WORK/token")"
echo "tree: $TREE ($(git -C "$TREE" rev-parse --short HEAD 2>/dev/null || echo exported)); kernel $(stat -c %s "$AIRLOCK_BENCH_KERNEL") bytes; $(nproc) cores"
wrk -t1 -c2 -d5s -s "$ROOT/bench/post-kernel.lua" "$url/v1/submissions" >/dev/null   # warm-up
for i in $(seq 1 "$RUNS"); do
  for c in 2 8; do
    echo "== run $i, $c connections, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    wrk -t1 -c"$c" -d"$DURATION" --latency -s "$ROOT/bench/post-kernel.lua" "$url/v1/submissions" \
      | grep -E "Requests/sec|^ +50%|^ +99%|HTTP|Non-2xx|Socket errors"
  done
done
