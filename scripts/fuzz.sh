#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME (default 10m), JOBS at a time, and
# copies the corpus each run grew into the package's testdata/fuzz/, so
# that `go test` replays it ever after. A summary line per target (execs,
# new interesting inputs, failures) goes to $OUT/summary.txt.
#
#   FUZZTIME=10m JOBS=2 bash scripts/fuzz.sh            # all targets
#   FUZZTIME=30s bash scripts/fuzz.sh ./mapping FuzzHash  # one target
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
FUZZTIME=${FUZZTIME:-10m}
JOBS=${JOBS:-2}
OUT=${OUT:-bench/out/fuzz}
KEEP=${KEEP:-300}   # corpus files kept per target
mkdir -p "$OUT"
cache=$(go env GOCACHE)/fuzz/capi-upload

if [ $# -eq 2 ]; then
  targets="$1 $2"
else
  targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
    dir=$(dirname "$f")
    grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r t; do echo "$dir $t"; done
  done)
fi

run_one() {
  local dir=$1 target=$2
  local log="$OUT/$(echo "$dir" | tr -c "[:alnum:]\n" _)-$target.log"
  nice -n 19 go test "$dir" -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" -parallel 1 >"$log" 2>&1
  local rc=$?
  local last; last=$(grep -E 'elapsed' "$log" | tail -n1)
  local pkg; pkg=$(go list "$dir")
  local src="$cache/${pkg#capi-upload/}/$target"
  [ "$pkg" = "capi-upload" ] && src="$cache/$target"
  if [ -d "$src" ]; then
    mkdir -p "$dir/testdata/fuzz/$target"
    ls -t "$src" | head -n "$KEEP" | while read -r f; do cp -n "$src/$f" "$dir/testdata/fuzz/$target/"; done
  fi
  local status=ok; [ $rc -ne 0 ] && status="FAILED (see $log)"
  printf '%-10s %-24s %s  %s\n' "$dir" "$target" "$status" "${last#*fuzz: }" | tee -a "$OUT/summary.txt"
}
export -f run_one
export FUZZTIME OUT KEEP cache
echo "$targets" | xargs -P "$JOBS" -L 1 bash -c 'run_one "$0" "$1"'
