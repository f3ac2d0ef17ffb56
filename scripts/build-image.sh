#!/usr/bin/env bash
# `npm run image`: builds the project's image (default tag lamport-lab:local, or $1 / $LAMPORT_LAB_IMAGE)
# without needing an image registry: scripts/offline-base-image.sh picks or makes the base, then
# `docker build --build-arg BASE=<it>`. If NODE_EXTRA_CA_CERTS names a CA bundle (a proxy in front of
# the npm registry), it is copied into the build context as npm-ca.pem for the build stage's `npm ci`
# and removed afterwards (git-ignored; it never reaches the final image). Prints each step's time.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${1:-${LAMPORT_LAB_IMAGE:-lamport-lab:local}}
log() { echo "image: $*" >&2; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
start=$(now)

t=$(now)
BASE=$(bash scripts/offline-base-image.sh)
log "base $BASE ready ($(took "$t"))"

rm -f npm-ca.pem
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  [ -r "$NODE_EXTRA_CA_CERTS" ] || { log "error: NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS is not readable"; exit 1; }
  trap 'rm -f npm-ca.pem' EXIT
  cp "$NODE_EXTRA_CA_CERTS" npm-ca.pem
  log "npm CA bundle for the build: $NODE_EXTRA_CA_CERTS"
fi

# Debian's docker.io has no buildx: use the classic builder explicitly (no deprecation detour)
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0

t=$(now)
build_started=$(date +%s)
args=(--build-arg "BASE=$BASE" --label "lamport-lab.base=$BASE" -t "$IMAGE" .)
if [ "${LAMPORT_LAB_BUILD_VERBOSE:-}" = 1 ]; then
  docker build "${args[@]}" >&2 || { log "error: docker build failed"; exit 1; }
elif ! out=$(docker build -q "${args[@]}" 2>&1); then
  echo "$out" | tail -n 40 >&2
  log "error: docker build failed (LAMPORT_LAB_BUILD_VERBOSE=1 npm run image shows every step)"
  exit 1
fi
log "docker build $IMAGE on $BASE ($(took "$t"))"
# superseded images of earlier builds (untagged, made before this one): this build's own stay as cache
t=$(now)
docker image prune -f --filter label=lamport-lab --filter "until=$build_started" >/dev/null || true
log "pruned superseded untagged lamport-lab images ($(took "$t"))"
log "done: $IMAGE in $(took "$start")"
