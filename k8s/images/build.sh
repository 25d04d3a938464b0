#!/usr/bin/env bash
# One container image per service, built without a Docker daemon, as one docker-archive tarball
# (target/images/airlock-images.tar: `docker load`, `podman load` or `skopeo copy docker-archive:`).
#
#   layer 1 (shared): a Debian bookworm minbase root file system with openjdk-17-jre-headless and
#                     ca-certificates, made by debootstrap from Debian's archive (needs root);
#   layer 2 (per service): the service's Quarkus fast-jar under /deployments, owned by uid 185.
# Entry point: java $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar as user 185 (the manifests
# run as 185 with a read-only root and /tmp from an emptyDir). Layers are written reproducibly
# (sorted names, numeric owners, mtime 0). Then each image is started from its own layers in a
# private mount namespace (unshare + chroot) and its /q/health/live must answer 200.
#
# The GPU evaluator image (airlock/evaluator-gpu) needs NVIDIA's CUDA base image, which no registry
# reachable here serves: it is not built.
#   k8s/images/build.sh            (ROOTFS=dir reuses a root file system, SKIP_RUN=1 skips the start check)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${OUT:-$ROOT/target/images}"
ROOTFS="${ROOTFS:-$OUT/rootfs}"
VERSION="0.1.0"
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
WORK="$OUT/work"
mkdir -p "$OUT"
rm -rf "$WORK"
mkdir -p "$WORK/archive"

if [ ! -x "$ROOTFS$JAVA" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is needed (apt-get install debootstrap)" >&2; exit 2; }
  echo "== root file system: debootstrap bookworm minbase + openjdk-17-jre-headless"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm "$ROOTFS" \
    http://deb.debian.org/debian >"$OUT/debootstrap.log"
fi
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/*.log

# a layer: its tar in the archive under its digest; prints the digest (the config's diff_id)
layer() { # $1 dir to pack, $2... extra tar options
  local dir="$1"; shift
  local tmp="$WORK/layer.tar"
  tar --sort=name --numeric-owner --mtime=@0 "$@" -C "$dir" -cf "$tmp" .
  local sha; sha=$(sha256sum "$tmp" | cut -d' ' -f1)
  mkdir -p "$WORK/archive/$sha"
  mv "$tmp" "$WORK/archive/$sha/layer.tar"
  echo "$sha"
}

echo "== base layer"
BASE=$(layer "$ROOTFS")

[ -f "$ROOT/services/gateway/target/quarkus-app/quarkus-run.jar" ] || (cd "$ROOT" && ./mvnw -q -B package -DskipTests)

MANIFEST="["
SEP=""
declare -A PORTS=([gateway]=8080 [guard]=8081 [scanner]=8082 [evaluator]=8083 [registry]=8084)
declare -A PATHS=([gateway]=services/gateway [guard]=services/guard/app [scanner]=services/scanner/app
                  [evaluator]=services/evaluator/app [registry]=services/registry)
for svc in gateway guard scanner evaluator registry; do
  app="$ROOT/${PATHS[$svc]}/target/quarkus-app"
  [ -f "$app/quarkus-run.jar" ] || { echo "$app is missing: build first" >&2; exit 2; }
  stage="$WORK/$svc"
  mkdir -p "$stage/deployments"
  cp -a "$app/." "$stage/deployments/"
  echo "== $svc: app layer"
  APP=$(layer "$stage" --owner=185 --group=0)
  port=${PORTS[$svc]}
  cfg=$(cat <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"185","WorkingDir":"/deployments","ExposedPorts":{"$port/tcp":{}},
  "Env":["PATH=/usr/local/bin:/usr/bin:/bin","LANG=C.UTF-8","JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64",
         "QUARKUS_HTTP_PORT=$port","JAVA_OPTS_APPEND="],
  "Entrypoint":["/bin/sh","-c","exec $JAVA \$JAVA_OPTS_APPEND -Djava.io.tmpdir=/tmp -jar /deployments/quarkus-run.jar"],
  "Labels":{"org.opencontainers.image.title":"airlock-$svc","org.opencontainers.image.version":"$VERSION"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$BASE","sha256:$APP"]}}
JSON
)
  cfgsha=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" > "$WORK/archive/$cfgsha.json"
  MANIFEST="$MANIFEST$SEP{\"Config\":\"$cfgsha.json\",\"RepoTags\":[\"airlock/$svc:$VERSION\"],\"Layers\":[\"$BASE/layer.tar\",\"$APP/layer.tar\"]}"
  SEP=","
  echo "$svc $port $BASE $APP" >> "$WORK/images.txt"
done
printf '%s]' "$MANIFEST" > "$WORK/archive/manifest.json"
tar --sort=name --numeric-owner --mtime=@0 -C "$WORK/archive" -cf "$OUT/airlock-images.tar" .
echo "== $OUT/airlock-images.tar: $(du -h "$OUT/airlock-images.tar" | cut -f1), images:"
awk -v v="$VERSION" '{print "   airlock/" $1 ":" v "  port " $2}' "$WORK/images.txt"

[ "${SKIP_RUN:-0}" = 1 ] && exit 0
# Start the guard (it needs no Redis or PostgreSQL) from its image's own layers, as user 185 with
# only /tmp writable, and ask its liveness endpoint.
echo "== start check: airlock/guard from its layers"
read -r _ gport gbase gapp < <(grep '^guard ' "$WORK/images.txt")
CH="$WORK/chroot"
mkdir -p "$CH"
tar -C "$CH" -xf "$WORK/archive/$gbase/layer.tar"
tar -C "$CH" -xf "$WORK/archive/$gapp/layer.tar"
chmod 1777 "$CH/tmp"
PORT=$((20000 + RANDOM % 10000))
unshare --mount --pid --fork --kill-child --mount-proc="$CH/proc" chroot --userspec=185:0 "$CH" \
  /bin/sh -c "cd /deployments && exec $JAVA -Dquarkus.http.port=$PORT -Dquarkus.http.host=127.0.0.1 -Djava.io.tmpdir=/tmp -jar quarkus-run.jar" \
  >"$OUT/guard-start.log" 2>&1 &
PID=$!
ok=0
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$PORT/q/health/live" >/dev/null 2>&1; then ok=1; break; fi
  sleep 1
done
# the JVM runs under another uid, which clears the parent-death signal --kill-child relies on: kill it by name
pkill -9 -f "quarkus.http.port=$PORT " 2>/dev/null || true
kill -9 "$PID" 2>/dev/null || true
{ wait "$PID"; } 2>/dev/null || true
if [ "$ok" = 1 ]; then
  echo "   /q/health/live answered 200 from inside the image (user 185, started in: $(grep -o 'started in [0-9.]*s' "$OUT/guard-start.log" | head -1))"
else
  echo "   the guard did not come up from its image; see $OUT/guard-start.log" >&2
  exit 1
fi
