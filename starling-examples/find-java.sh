#!/usr/bin/env bash
# Sourced by the scripts that run Starling: find_java prints a java of version 21 or newer.
# Starling needs Java 21 or newer; the default java may be older, so look for one.
java_version() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1
}
find_java() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${d%/}/bin/java"); done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for j in "${candidates[@]}"; do
    if [ -x "$j" ]; then
      v=$(java_version "$j")
      if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ] 2>/dev/null; then echo "$j"; return 0; fi
    fi
  done
  echo "Starling needs Java 21 or newer; none was found (set JAVA_HOME)." >&2
  return 1
}
