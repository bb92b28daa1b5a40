#!/usr/bin/env bash
# Installs the local servers that kada_dagster's tests start for themselves:
#   - PostgreSQL server binaries (initdb, pg_ctl, postgres) from Debian's packages;
#   - Azurite (Azure Blob emulator) from the npm registry, pinned by scripts/azurite/package-lock.json,
#     into .tools/azurite.
# (S3 is emulated by moto, a Python test dependency: `make install` brings it.)
#
# Why a script: CI runs on a fresh machine where nothing installed by hand exists, so `make test`
# must install these itself. It is idempotent: anything already present is left alone, and a
# second run is a no-op that takes well under a second.
#
# Usage: scripts/test_services.sh install     (install what is missing)
#        scripts/test_services.sh check       (report only; exit 1 if something is missing)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOLS_DIR="$ROOT/.tools/azurite"
AZ_MANIFEST_DIR="$ROOT/scripts/azurite"
AZ_BIN="$TOOLS_DIR/node_modules/.bin/azurite-blob"
AZ_STAMP="$TOOLS_DIR/.lock.sha256"

say() { printf 'test_services: %s\n' "$*"; }

# Prints the directory holding initdb + pg_ctl, or nothing. Prefers Debian's versioned dirs
# (highest version first); /usr/local/bin/pg_ctl on this image is only a symlink into one of them.
find_pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  return 0
}

apt_updated=0
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    say "need root to apt-get install $*; install them yourself (e.g. sudo apt-get install -y $*)" >&2
    return 1
  fi
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install -y $*"
  # policy-rc.d-less containers may try to start the packaged cluster; that is harmless and
  # the tests never use it (they run their own throwaway cluster).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

lock_hash() { cat "$AZ_MANIFEST_DIR/package.json" "$AZ_MANIFEST_DIR/package-lock.json" | sha256sum | cut -d' ' -f1; }

ensure_postgres() {
  local bindir
  bindir=$(find_pg_bindir)
  if [ -n "$bindir" ]; then
    say "postgresql: present ($("$bindir/postgres" --version), $bindir)"
  elif [ "$MODE" = check ]; then
    say "postgresql: MISSING"
    missing=1
    return 0
  else
    apt_install postgresql
    bindir=$(find_pg_bindir)
    [ -n "$bindir" ] || { say "postgresql: install finished but initdb/pg_ctl not found" >&2; exit 1; }
    say "postgresql: installed ($("$bindir/postgres" --version), $bindir)"
  fi
  # PostgreSQL refuses to run as root; the test fixture runs it as 'postgres' (created by the
  # Debian package) or falls back to 'nobody'. Nothing to do here beyond reporting.
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    say "postgresql: no 'postgres' user; tests will run the server as 'nobody'"
  fi
}

ensure_azurite() {
  local want
  want=$(lock_hash)
  if [ -x "$AZ_BIN" ] && [ -f "$AZ_STAMP" ] && [ "$(cat "$AZ_STAMP")" = "$want" ]; then
    say "azurite: present ($("$AZ_BIN" --version 2>/dev/null || echo '?'), $AZ_BIN)"
    return 0
  fi
  if [ "$MODE" = check ]; then
    say "azurite: MISSING or out of date ($AZ_BIN)"
    missing=1
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  say "azurite: npm ci into $TOOLS_DIR (node $(node --version))"
  mkdir -p "$TOOLS_DIR"
  cp "$AZ_MANIFEST_DIR/package.json" "$AZ_MANIFEST_DIR/package-lock.json" "$TOOLS_DIR/"
  # --ignore-scripts: no package here needs an install script, and this guarantees nothing is
  # fetched from outside the npm registry at install time.
  (cd "$TOOLS_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  [ -x "$AZ_BIN" ] || { say "azurite: npm ci finished but $AZ_BIN is missing" >&2; exit 1; }
  echo "$want" >"$AZ_STAMP"
  say "azurite: installed ($("$AZ_BIN" --version))"
}

MODE=${1:-}
case "$MODE" in
  install | check) ;;
  *)
    echo "usage: $0 install|check" >&2
    exit 2
    ;;
esac

missing=0
ensure_postgres
ensure_azurite
exit "$missing"
