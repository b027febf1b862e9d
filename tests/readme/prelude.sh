# Sourced before the README's blocks (tests/readme/run): what a reader types, run against
# the built binary, with every request's status checked.
set -euo pipefail

fail() {
  echo "README.md line ${HUB_README_LINE:-?}: $*" >&2
  exit 1
}

# `cargo run [--release] [-q] -- ARGS` runs the built binary; `serve` starts it in the
# background (a reader runs it in another shell) and waits until it is ready.
cargo() {
  [ "${1:-}" = run ] || fail "only 'cargo run' is run here, not 'cargo $*'"
  while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
  [ $# -gt 0 ] || fail "'cargo run' without '--' and the hub's arguments"
  shift
  if [ "${1:-}" = serve ]; then
    "$PROVIDER_HUB_BIN" "$@" >>"$README_WORK/serve.log" 2>&1 &
    echo $! >"$README_WORK/serve.pid"
    for _ in $(seq 1 120); do
      command curl -fs "http://$HUB_LISTEN/health/ready" >/dev/null 2>&1 && return 0
      sleep 0.5
    done
    cat "$README_WORK/serve.log" >&2
    fail "the hub did not become ready"
  fi
  "$PROVIDER_HUB_BIN" "$@"
}

# curl as the reader runs it, then the status checked: 2xx, or the status the README's
# comment names for this command.
curl() {
  local headers rc code
  headers=$(mktemp)
  rc=0
  command curl -D "$headers" "$@" || rc=$?
  [ "$rc" -eq 0 ] || fail "curl $* exited $rc"
  code=$(awk '/^HTTP\//{c=$2} END{print c}' "$headers")
  rm -f "$headers"
  if [ -n "${HUB_EXPECT:-}" ]; then
    [ "$code" = "$HUB_EXPECT" ] || fail "expected $HUB_EXPECT, got $code from: curl $*"
  else
    case "$code" in
      2??) ;;
      *) fail "got $code from: curl $*" ;;
    esac
  fi
}
