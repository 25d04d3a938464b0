#!/usr/bin/env bash
# Precheck speed, in one run: a 20 KB kernel
#   1. through the gateway (POST /v1/submissions: store + guard + record + enqueue) with wrk,
#      with the in-process guard and then with the guard calling an external analyzer per check;
#   2. the guard engine alone against one subprocess per call (JMH, sample mode: p50/p99).
# Needs wrk; starts and stops the stack itself (./airlock up/down). About 3 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-15s}"
CONNS="${CONNS:-2}"
ANALYZER="python3 $ROOT/services/guard/app/src/test/resources/external/standin-analyzer.py"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }

./mvnw -q -B -Pbench -pl bench/jmh -am package -DskipTests
CP="bench/jmh/target/classes:bench/jmh/target/lib/*"
export AIRLOCK_BENCH_KERNEL="$(mktemp --suffix=.py)"
java -cp "$CP" io.airlock.bench.PrecheckBenchmark "$AIRLOCK_BENCH_KERNEL"
echo "kernel: $(stat -c %s "$AIRLOCK_BENCH_KERNEL") bytes; $(nproc) cores"

gateway_run() {
  echo "== gateway, $1 (wrk -t1 -c$CONNS -d$DURATION)"
  ./airlock down >/dev/null
  if [ "$1" = "external analyzer" ]; then AIRLOCK_GUARD_EXTERNAL_COMMAND="$ANALYZER" ./airlock up >/dev/null
  else ./airlock up >/dev/null; fi
  AIRLOCK_TOKEN="$(./airlock token issue --user bench --role operator --ttl 1h | tail -1)"
  export AIRLOCK_TOKEN
  # warm-up, then the measured run
  wrk -t1 -c1 -d3s -s bench/post-kernel.lua http://127.0.0.1:8080/v1/submissions >/dev/null
  wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s bench/post-kernel.lua http://127.0.0.1:8080/v1/submissions \
    | grep -E "Requests/sec|50%|90%|99%|HTTP"
}
gateway_run "in-process guard"
gateway_run "external analyzer"
./airlock down >/dev/null

echo "== engine alone vs one subprocess per call (JMH)"
java -cp "$CP" org.openjdk.jmh.Main PrecheckBenchmark -wi 2 -w 2 -i 2 -r 3 -f 1 2>/dev/null \
  | grep -E "^PrecheckBenchmark\.[a-zA-Z]+(:p0.50|:p0.99)? " 
rm -f "$AIRLOCK_BENCH_KERNEL"
