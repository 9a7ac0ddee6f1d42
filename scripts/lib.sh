# Shared by the scripts: repository root, Bun from the pinned npm package, dependency install.
# shellcheck shell=bash
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUN="$REPO/node_modules/.bin/bun"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# npm ci when node_modules is missing or older than the lock file; Bun comes with it (npm package "bun").
ensure_deps() {
  command -v node >/dev/null 2>&1 || die "Node.js (with npm) is required"
  if [ ! -x "$BUN" ] || [ "$REPO/package-lock.json" -nt "$REPO/node_modules/.package-lock.json" ]; then
    echo "Installing dependencies (npm ci)…" >&2
    (cd "$REPO" && npm ci --no-audit --no-fund >&2) || die "npm ci failed"
  fi
  # The project's fixes to dependencies (also npm's postinstall; idempotent, quick).
  node "$REPO/scripts/patch-dependencies.mjs" || die "patching dependencies failed"
  # npm may skip bun's postinstall; its platform package carries the real binary either way.
  "$BUN" --version >/dev/null 2>&1 || die "bun from node_modules does not run"
}

# The value of KEY in a Java properties file (last one wins), or empty. As Properties.load reads a
# line, the key ends at `=`, `:` or white space (`bootstrap.servers broker:9092` sets it too).
prop() {
  local key="${1//./\\.}"
  [ -f "$2" ] && sed -n "s/^[[:space:]]*$key\([[:space:]]*[=:]\|[[:space:]]\)[[:space:]]*//p" "$2" | tail -n 1 || true
}
