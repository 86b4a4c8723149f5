#!/usr/bin/env bash
# Sourced by scripts/attack-*: builds starling-core's classes when needed, starts scripts/attack/AttackTarget.java
# (compiled with -parameters) on 127.0.0.1, samples the server's RSS, threads, file descriptors and heap after GC
# from /proc and jcmd, and runs a legitimate client (curl in a loop) beside an attack.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../starling-examples/find-java.sh
source "$root/starling-examples/find-java.sh"
work="$(mktemp -d /tmp/starling-attack.XXXXXX)"
target_pid=
legit_pid=

attack_cleanup() {
  [ -n "$legit_pid" ] && kill "$legit_pid" 2>/dev/null || true
  [ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${ATTACK_KEEP:-}" ] || rm -rf "$work"
}
trap attack_cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Builds starling-core's classes (quietly) when a source is newer, and its runtime class path once.
build_target() {
  local classes="$root/starling-core/target/classes" cp="$root/starling-core/target/attack-classpath.txt"
  if [ ! -d "$classes" ] || [ -n "$(find "$root/starling-core/src/main" "$root/starling-core/pom.xml" -newer "$classes" -print -quit)" ]; then
    echo "Building starling-core (sources changed)..." >&2
    (cd "$root" && mvn -o -B -q -pl starling-core compile) >&2
    touch "$classes"
  fi
  if [ ! -f "$cp" ]; then
    (cd "$root" && mvn -o -B -q -pl starling-core dependency:build-classpath -Dmdep.outputFile="$cp" \
      -Dmdep.includeScope=runtime) >&2
  fi
  target_cp="$classes:$(cat "$cp")"
}

# start_target [ENV=VALUE ...]: starts the target on a free port of 127.0.0.1 (sets $port, $target_pid), with a
# static directory holding a 1 MiB file (static/big.bin) and the given extra environment (STARLING_* settings).
start_target() {
  build_target
  mkdir -p "$work/static"
  [ -f "$work/static/big.bin" ] || head -c 1048576 /dev/urandom >"$work/static/big.bin"
  port=$(free_port)
  local java_bin
  java_bin=$(find_java)
  jcmd_bin="$(dirname "$java_bin")/jcmd"
  if [ ! -f "$work/classes/AttackTarget.class" ]; then
    "$(dirname "$java_bin")/javac" -parameters -nowarn -d "$work/classes" -cp "$target_cp" \
      "$root/scripts/attack/AttackTarget.java"
  fi
  env STARLING_HOST=127.0.0.1 STARLING_PORT="$port" ATTACK_STATIC="$work/static" "$@" \
    "$java_bin" -Xmx256m -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED \
    -Dlogback.configurationFile="$root/scripts/attack/logback.xml" -cp "$work/classes:$target_cp" AttackTarget >"$work/target.log" 2>&1 &
  target_pid=$!
  local deadline=$((SECONDS + 60))
  until curl -s -o /dev/null "http://127.0.0.1:$port/hello"; do
    if ! kill -0 "$target_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "The target did not start:" >&2; cat "$work/target.log" >&2; exit 1
    fi
    sleep 0.2
  done
  echo "target: pid $target_pid on 127.0.0.1:$port (-Xmx256m); log $work/target.log" >&2
}

stop_target() {
  kill "$target_pid" 2>/dev/null || true
  wait "$target_pid" 2>/dev/null || true
  target_pid=
}

# sample LABEL: one line with the server's RSS (MiB), threads, open file descriptors and heap used after a GC.
sample() {
  local rss threads fds heap
  kill -0 "$target_pid" 2>/dev/null || { echo "$1: THE SERVER IS DEAD"; return 1; }
  rss=$(awk '/^VmRSS:/ {printf "%.0f", $2/1024}' "/proc/$target_pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$target_pid/status")
  fds=$(ls "/proc/$target_pid/fd" | wc -l)
  heap="?"
  if [ "${2:-}" != nogc ]; then
    "$jcmd_bin" "$target_pid" GC.run >/dev/null 2>&1 || true
    heap=$("$jcmd_bin" "$target_pid" GC.heap_info 2>/dev/null \
      | awk '/^ *(DefNew|Tenured) / {v=$5; gsub(/K,?/,"",v); s+=v} END {printf "%.0f", s/1024}')
  fi
  printf '%-8s rss=%4s MiB  threads=%3s  fds=%4s  heap-after-gc=%s MiB\n' "$1" "$rss" "$threads" "$fds" "$heap"
}

# legit_start: a legitimate client, one GET /hello (5 s limit) every 0.2 s, until legit_stop.
legit_start() {
  : >"$work/legit.txt"
  (
    while true; do
      curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 "http://127.0.0.1:$port/hello" \
        >>"$work/legit.txt" 2>/dev/null || echo "000 5" >>"$work/legit.txt"
      sleep 0.2
    done
  ) &
  legit_pid=$!
}

# legit_stop: stops the client and prints how many of its requests were answered 200, and the slowest.
legit_stop() {
  kill "$legit_pid" 2>/dev/null || true
  wait "$legit_pid" 2>/dev/null || true
  legit_pid=
  awk '{n++; if ($1 == 200) ok++; if ($2 > max) max = $2}
       END {printf "legit    %d/%d answered 200, slowest %.3f s\n", ok, n, max; exit (ok == n && n > 0) ? 0 : 1}' \
    "$work/legit.txt"
}

# settle: waits (up to 15 s) for the server's descriptors to fall back to the baseline's ($baseline_fds, plus 4),
# since the server notices closed connections a moment after the client exits.
settle() {
  local deadline=$((SECONDS + 15))
  while [ "$(ls "/proc/$target_pid/fd" | wc -l)" -gt $((baseline_fds + 4)) ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.5
  done
}

# baseline: the first sample, remembering the descriptor count for settle.
baseline() {
  baseline_fds=$(ls "/proc/$target_pid/fd" | wc -l)
  sample baseline
}

# during_sample LABEL SECONDS: samples (without forcing a GC) after SECONDS, while an attack runs.
during_sample() {
  sleep "$2"
  sample "$1" nogc
}

# log_summary: how many WARN and ERROR lines the server logged, and the first of each kind.
log_summary() {
  local warns errors
  warns=$(grep -c ' WARN ' "$work/target.log" || true)
  errors=$(grep -c ' ERROR ' "$work/target.log" || true)
  echo "server log: $warns WARN, $errors ERROR"
  grep -E ' (WARN|ERROR) ' "$work/target.log" | sed -E 's/^[0-9:.]+ \[[^]]*\] //' | cut -c1-200 | sort | uniq -c \
    | sort -rn | head -5 | sed 's/^/  /' || true
}
