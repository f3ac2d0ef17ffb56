#!/usr/bin/env bash
# Picks the base image the Dockerfile builds on and prints its name on stdout (everything else goes
# to stderr). In order:
#   1. $LAMPORT_LAB_BASE if set (used as is; it must exist locally or be pullable);
#   2. node:20-slim if it is already present or can be pulled;
#   3. a local base made without any image registry: Debian bookworm (debootstrap --variant=minbase
#      from the Debian mirror this host's apt uses), this host's Node 20 binary and npm copied in, a
#      `node` user (uid 1000, as in node:20-slim), `docker import`ed as lamport-lab-base:bookworm-node<version>.
# Idempotent: an existing image is reused; the debootstrap tarball is cached in
# ${LAMPORT_LAB_CACHE:-/var/cache/lamport-lab} so re-making a removed image skips the download.
# Needs root (debootstrap, chroot) only for step 3. Prints how long each step took.
set -euo pipefail

log() { echo "offline-base-image: $*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

command -v docker >/dev/null 2>&1 || die "docker not found (Debian/Ubuntu: apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "no docker daemon answers (start one: dockerd >/tmp/dockerd.log 2>&1 &)"

UPSTREAM=node:20-slim

if [ -n "${LAMPORT_LAB_BASE:-}" ]; then
  log "base: $LAMPORT_LAB_BASE (from LAMPORT_LAB_BASE)"
  echo "$LAMPORT_LAB_BASE"
  exit 0
fi

t=$(now)
if docker image inspect "$UPSTREAM" >/dev/null 2>&1; then
  log "base: $UPSTREAM (present locally; check $(took "$t"))"
  echo "$UPSTREAM"
  exit 0
fi
if [ "${LAMPORT_LAB_NO_PULL:-}" != "1" ] && timeout "${LAMPORT_LAB_PULL_TIMEOUT:-60}" docker pull -q "$UPSTREAM" >/dev/null 2>&1; then
  log "base: $UPSTREAM (pulled in $(took "$t"))"
  echo "$UPSTREAM"
  exit 0
fi
log "$UPSTREAM cannot be pulled (tried for $(took "$t")): using a local base"

# --- the local base -----------------------------------------------------------------------------
NODE_BIN=$(readlink -f "$(command -v node)") || die "node not found on PATH (the local base copies this host's Node 20)"
NODE_VERSION=$("$NODE_BIN" -p 'process.versions.node')
case "$NODE_VERSION" in 20.*) ;; *) die "host node is $NODE_VERSION; the local base needs Node 20 (>=20.19)" ;; esac
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")") || die "npm not found on PATH"
[ -f "$NPM_DIR/bin/npm-cli.js" ] || die "cannot find npm's package directory (looked at $NPM_DIR)"
TAG="lamport-lab-base:bookworm-node$NODE_VERSION"

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "base: $TAG (reused: made earlier from debootstrap bookworm + host node $NODE_VERSION)"
  echo "$TAG"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "making the local base needs root (debootstrap, chroot); or set LAMPORT_LAB_BASE to an image you have"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found (Debian/Ubuntu: apt-get install debootstrap)"

# The Debian mirror apt uses here (deb822 .sources or one-line lists); DEBIAN_MIRROR overrides.
mirror_from_apt() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # stanzas are separated by blank lines; take the URIs of a stanza whose Suites has "bookworm"
    awk 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
        }
        if (ok && uri != "") { print uri; exit } }' "$f"
  done
  true
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") print $i }'
  true
}
MIRROR=${DEBIAN_MIRROR:-$(set +o pipefail; mirror_from_apt | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

CACHE=${LAMPORT_LAB_CACHE:-/var/cache/lamport-lab}
mkdir -p "$CACHE"
ROOTFS_TAR="$CACHE/bookworm-minbase.tar"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lamport-lab-base.XXXXXX")
cleanup() {
  # a chroot may have left mounts behind; never rm -rf through a mount
  grep -o " $WORK/[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" || true; done || true
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
ROOT="$WORK/rootfs"

t=$(now)
if [ -s "$ROOTFS_TAR" ]; then
  mkdir -p "$ROOT"
  tar -C "$ROOT" -xf "$ROOTFS_TAR"
  log "debootstrap: reused $ROOTFS_TAR ($(took "$t"))"
else
  log "debootstrap bookworm (minbase) from $MIRROR ..."
  debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (full log above)"; }
  rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
  tar -C "$ROOT" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  log "debootstrap: done in $(took "$t") (cached as $ROOTFS_TAR)"
fi

t=$(now)
install -m 0755 "$NODE_BIN" "$ROOT/usr/local/bin/node"
mkdir -p "$ROOT/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$ROOT/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
env -u NODE_EXTRA_CA_CERTS chroot "$ROOT" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
env -u NODE_EXTRA_CA_CERTS chroot "$ROOT" /usr/local/bin/node -e 'process.exit(process.versions.node === process.argv[1] ? 0 : 1)' "$NODE_VERSION" ||
  die "the copied node does not run inside the bookworm root"
log "node $NODE_VERSION + npm $("$NODE_BIN" "$NPM_DIR/bin/npm-cli.js" --version) copied in, user node added ($(took "$t"))"

t=$(now)
tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  --message "debootstrap bookworm minbase from $MIRROR + host node $NODE_VERSION" \
  - "$TAG" >/dev/null
log "docker import: $TAG ($(took "$t"))"
log "base: $TAG (made locally: debootstrap bookworm + host node $NODE_VERSION)"
echo "$TAG"
