#!/usr/bin/env bash
# The generation loop's overhead over bare session.run (GenerationBench without its suites), for two
# builds of the evaluator engine side by side: one JVM per measure, the builds alternated REPEATS
# times, so both see the same machine load. Prints the load average before each JVM.
#
#   bench/genloop.sh BEFORE_CLASSES [REPEATS]
#
# BEFORE_CLASSES: services/evaluator/engine/target/classes of the build to compare with (copied aside
# before changing the loop). The current build and its classpath come from:
#   ./mvnw -q test-compile dependency:build-classpath -pl services/evaluator/engine -am \
#       -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
set -euo pipefail
before=$(cd "$1" && pwd)
repeats=${2:-3}
engine=$(cd "$(dirname "$0")/../services/evaluator/engine" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# an argument file: ONNX Runtime 1.29 crashes with SIGSEGV here when the JVM's command line passes ~4 KB
for build in before after; do
  classes=$engine/target/classes
  [ "$build" = before ] && classes=$before
  echo "-Djava.io.tmpdir=$work -cp $engine/target/test-classes:$classes:$(cat "$engine/target/cp.txt")" > "$work/$build.args"
done
for i in $(seq "$repeats"); do
  for build in before after; do
    echo "$build, run $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    java "@$work/$build.args" io.airlock.evaluator.engine.GenerationBench 256 4000 64 false 2>/dev/null | grep '^decode'
  done
done
