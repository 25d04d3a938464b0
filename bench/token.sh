#!/usr/bin/env bash
# The per-request cost of identities (JMH, sample mode: p50/p99): SmallRye JWT's parse and RS256
# verification of a token, and the deny-list MGET against the Redis on 127.0.0.1:6379. About 1 minute.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
./mvnw -q -B -Pbench -pl bench/jmh -am package -DskipTests
java -cp "bench/jmh/target/classes:bench/jmh/target/lib/*" org.openjdk.jmh.Main TokenBenchmark "$@"
