#!/usr/bin/env bash
# The whole scan beside the hash it must compute anyway, in one run, on the same files in page cache:
# `./airlock scan` (a cold JVM, as a user runs it: SHA-256, strict format validation, weight statistics, report) against
# `openssl dgst -sha256` and `sha256sum`, on a generated safetensors and a generated GGUF of honest
# layout (BF16/F16 Gaussian weights, 2048 x 2048 tensors of 8 MiB), and a `torch.save` zip of the
# same size written by Debian's python3-torch when it is installed (scanned with --policy permissive:
# the default policy refuses pickle-based formats at the gate, which would not be a whole scan);
# and the same scans in a warm JVM, as the scanner service runs them (bench/WarmScan.java).
#
#   bench/scan-vs-openssl.sh [SIZE_MIB]     (default 2048)
#
# Needs the CLI built (./mvnw -q package -DskipTests -pl cli -am) and python3. Best of 5 runs each;
# the ratio is openssl's time over airlock's (1.0: the scan costs what the hash costs).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MIB="${1:-2048}"
RUNS="${RUNS:-5}"
DIR="${BENCH_DIR:-}"   # BENCH_DIR=folder keeps the generated files there (reused when present)
if [ -z "$DIR" ]; then DIR="$(mktemp -d)"; trap 'rm -rf "$DIR"' EXIT; fi
mkdir -p "$DIR"
JAR="$ROOT/cli/target/airlock-cli.jar"
[ -f "$JAR" ] || { echo "build the CLI first: ./mvnw -q package -DskipTests -pl cli -am" >&2; exit 2; }

[ -f "$DIR/model.gguf" ] || python3 - "$DIR" "$SIZE_MIB" <<'PY'
import json, math, random, struct, sys
out, mib = sys.argv[1], int(sys.argv[2])
TENSOR = 8 << 20                       # bytes per tensor: 2048 x 2048 two-byte values
count = max(1, (mib << 20) // TENSOR)
rnd = random.Random(1)
# 1 MiB of trained-looking weights (normal, std 0.02), repeated: the hash cannot tell, the statistics see weights
vals = [rnd.gauss(0, 0.02) for _ in range(1 << 19)]
bf16 = b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in vals)
f16 = struct.pack("<%de" % len(vals), *vals)
def data(f, chunk):
    for _ in range(count * TENSOR // len(chunk)):
        f.write(chunk)
# safetensors: header padded to 8, tensors contiguous from 0
entries = {"__metadata__": {"format": "pt"}}
for i in range(count):
    entries["model.layers.%d.weight" % i] = {"dtype": "BF16", "shape": [2048, 2048],
                                             "data_offsets": [i * TENSOR, (i + 1) * TENSOR]}
h = json.dumps(entries, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
with open(out + "/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    data(f, bf16)
# GGUF v3: one string pair, tensor infos, data aligned to 32
def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b
head = b"GGUF" + struct.pack("<IQQ", 3, count, 1) + s("general.architecture") + struct.pack("<I", 8) + s("llama")
for i in range(count):
    head += s("blk.%d.weight" % i) + struct.pack("<IQQIQ", 2, 2048, 2048, 1, i * TENSOR)
head += b"\0" * (-len(head) % 32)
with open(out + "/model.gguf", "wb") as f:
    f.write(head)
    data(f, f16)
PY

# torch.save zip (zip64 end records, 64-byte aligned stored members): BF16 tensors of 8 MiB
if [ ! -f "$DIR/model.pt" ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  /usr/bin/python3 - "$DIR" "$SIZE_MIB" <<'PY'
import sys, torch
out, mib = sys.argv[1], int(sys.argv[2])
g = torch.Generator().manual_seed(1)
base = (torch.randn(2048, 2048, generator=g) * 0.02).to(torch.bfloat16)
sd = {"model.layers.%d.weight" % i: base.clone() for i in range(max(1, mib // 8))}
torch.save(sd, out + "/model.pt")
PY
fi

echo "$(nproc) cores; $(java -version 2>&1 | head -n 1); $(openssl version)"
printf '%-22s %-28s %8s %8s %7s\n' file command best_s GB/s ratio
for FILE in "$DIR/model.safetensors" "$DIR/model.gguf" "$DIR/model.pt"; do
  [ -f "$FILE" ] || { echo "(no $(basename "$FILE"): python3-torch is not installed)"; continue; }
  cat "$FILE" > /dev/null   # into the page cache
  BYTES=$(stat -c %s "$FILE")
  POLICY=default; [ "${FILE##*.}" = pt ] && POLICY=permissive
  # the scan must pass and judge the weights (or the pickle), or its time would not be a whole scan's
  "$ROOT/airlock" scan "$FILE" --policy "$POLICY" --format json > "$DIR/report.json" || { echo "scan of $FILE did not pass" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s={x["stage"]:x for x in r["stages"]}; assert s["static_scan"]["status"]=="PASS", s["static_scan"]; d=s["static_scan"]["details"]; print("  %s: %s tensors judged, %s bytes sampled, %s pickle opcodes" % (r["format"], d.get("weights.judged", 0), d.get("weights.sampledBytes", 0), d.get("pickleOpcodes", 0)))' "$DIR/report.json"
  ref=""
  for cmd in "openssl dgst -sha256" "sha256sum" "$ROOT/airlock scan --policy $POLICY"; do
    best=""
    for _ in $(seq "$RUNS"); do
      s=$(date +%s.%N); $cmd "$FILE" >/dev/null; e=$(date +%s.%N)
      t=$(echo "$e - $s" | bc -l)
      if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    [ -z "$ref" ] && ref=$best
    name="$cmd"; [ "${cmd#"$ROOT"}" != "$cmd" ] && name="airlock scan (cold JVM)"
    printf '%-22s %-28s %8.3f %8.2f %7.2f\n' "$(basename "$FILE") $((BYTES >> 20))M" "$name" "$best" \
      "$(echo "$BYTES / $best / 1000000000" | bc -l)" "$(echo "$ref / $best" | bc -l)"
  done
  # the engine as the scanner service runs it: a JVM that has scanned before (bench/WarmScan.java)
  best=$(java -cp "$JAR" "$ROOT/bench/WarmScan.java" "$FILE" "$RUNS" "$POLICY")
  printf '%-22s %-28s %8.3f %8.2f %7.2f\n' "$(basename "$FILE") $((BYTES >> 20))M" "airlock engine (warm JVM)" "$best" \
    "$(echo "$BYTES / $best / 1000000000" | bc -l)" "$(echo "$ref / $best" | bc -l)"
done
