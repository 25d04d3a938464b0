#!/usr/bin/env bash
# Integrity-stage speed beside a reference, in one run: `airlock scan` (streaming SHA-256 + format
# gate, whole cold JVM) against `openssl dgst -sha256` and `sha256sum` on the same file in page cache.
#
#   bench/hash-vs-openssl.sh [SIZE_MIB]     (default 2048)
#
# Needs the CLI built (./mvnw -q package -DskipTests -pl cli -am). Best of 3 runs each.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MIB="${1:-2048}"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
FILE="$DIR/model.gguf"

# a GGUF header then pseudo-random bytes: a real format for the gate, incompressible for the cache
python3 - "$FILE" "$SIZE_MIB" <<'PY'
import os, struct, sys
path, mib = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.write(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    chunk = os.urandom(1 << 20)
    for _ in range(mib):
        f.write(chunk)
PY
cat "$FILE" > /dev/null   # into the page cache
BYTES=$(stat -c %s "$FILE")
JAR="$ROOT/cli/target/airlock-cli.jar"
[ -f "$JAR" ] || { echo "build the CLI first: ./mvnw -q package -DskipTests -pl cli -am" >&2; exit 2; }

echo "file: $BYTES bytes; $(nproc) cores; $(java -version 2>&1 | head -n 1)"
printf '%-40s %10s %10s\n' command best_s GB/s
for cmd in "openssl dgst -sha256 $FILE" "sha256sum $FILE" "java -jar $JAR scan $FILE --format json"; do
  best=""
  for _ in 1 2 3; do
    s=$(date +%s.%N); $cmd >/dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%-40s %10.3f %10.2f\n' "${cmd%% $FILE*}" "$best" "$(echo "$BYTES / $best / 1000000000" | bc -l)"
done
