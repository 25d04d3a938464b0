#!/usr/bin/env bash
# Nightly-style fuzzing: every parser's Jazzer target, round after round, until MINUTES have passed.
# Each round runs a target for its @FuzzTest maxDuration and continues from the corpus the previous
# rounds grew (.cifuzz-corpus/ in the module); a crash stops the script, and its input is kept in the
# module's test resources, where the normal build replays it as a regression input from then on.
#   bench/fuzz.sh [MINUTES]   (default 30)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
MINUTES="${1:-30}"
END=$(( $(date +%s) + MINUTES * 60 ))
TARGETS=(
  "services/guard/engine KernelFuzzTest#pythonParser"
  "services/guard/engine KernelFuzzTest#guardOnKernels"
  "services/scanner/engine ScannerFuzzTest#sniffAndValidate"
  "services/scanner/engine ScannerFuzzTest#gguf"
  "services/scanner/engine ScannerFuzzTest#safetensors"
  "services/scanner/engine ScannerFuzzTest#onnx"
  "services/scanner/engine ScannerFuzzTest#pickle"
  "services/scanner/engine ScannerFuzzTest#zip"
)
./mvnw -q -B -o install -DskipTests -pl services/scanner/engine,services/guard/engine -am
round=0
while [ "$(date +%s)" -lt "$END" ]; do
  round=$((round + 1))
  for t in "${TARGETS[@]}"; do
    set -- $t
    echo "== round $round: $2"
    JAZZER_FUZZ=1 ./mvnw -q -B -o -pl "$1" surefire:test -Dtest="$2" -Dsurefire.failIfNoSpecifiedTests=false \
      2>&1 | grep -E "DONE|Done [0-9]+ runs|Exception|FAIL" || true
    [ "$(date +%s)" -lt "$END" ] || break
  done
done
