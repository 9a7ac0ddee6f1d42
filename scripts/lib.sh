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

# run_forwarding_signals CMD…: runs CMD in the background and returns its exit status. SIGINT is
# ignored here (a Ctrl-C reaches CMD through the process group; a forwarded copy would count as a
# second signal there). The first SIGTERM or SIGHUP, sent to this script alone, is passed on to CMD
# as SIGTERM; later ones are ignored (left to the terminal and CMD). An ignored signal never
# interrupts `wait`: a trapped one did, and a Ctrl-C arriving as CMD exited made the script answer
# the interrupted wait's 130 instead of CMD's status. Only the one forwarded signal interrupts it,
# and CMD is then still running its stop, so waiting again answers CMD's status.
run_forwarding_signals() {
  local pid="" pending="" status
  trap '' INT
  # A signal that comes before CMD's pid is known is passed on as soon as it is.
  trap 'trap "" TERM HUP; if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; else pending=yes; fi' TERM HUP
  "$@" &
  pid=$!
  if [ -n "$pending" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  while :; do
    wait "$pid" && status=0 || status=$?
    kill -0 "$pid" 2>/dev/null || break
  done
  trap '' TERM HUP
  return "$status"
}
