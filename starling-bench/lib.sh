# Sourced by the starling-bench scripts: where the project is, which java runs it, whether a build is stale.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/starling-bench"

# find_java and java_version, shared with starling-examples/run so the benchmarks and the served app run
# on the same JDK.
. "$root/starling-examples/find-java.sh"

# stale TARGET PATH...: true when TARGET is missing or any PATH (file or directory tree) is newer.
stale() {
  local target=$1; shift
  [ -f "$target" ] || return 0
  [ -n "$(find "$@" -newer "$target" -print -quit)" ]
}
