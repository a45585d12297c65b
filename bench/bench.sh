#!/usr/bin/env bash
# bench.sh times capi-upload on a large generated CSV and prints, per run
# and as medians, wall time, rows/s and peak memory (max RSS).
#
#   bench/bench.sh [-n RUNS] [-rows ROWS] [SUBCOMMAND [EXTRA ARGS...]]
#
#   bench/bench.sh                          # validate, 1,000,000 rows, 5 runs
#   bench/bench.sh -n 3 -rows 200000        # smaller
#   bench/bench.sh upload --dry-run         # build request bodies too
#   CAPI_GRAPH_URL=$(head -1 bench/out/edge-url) CAPI_ACCESS_TOKEN=capitest-token \
#     bench/bench.sh upload                 # against bench/out/fakeedge (see README)
#
# SUBCOMMAND defaults to validate. The script adds --config bench/bench.yaml,
# a fresh --report-dir per run, --progress never, and the input file; for
# upload it also adds a --state ledger under bench/out/. EXTRA ARGS go
# before the input. Everything is written under bench/out/ (gitignored).
set -euo pipefail

runs=5
rows=1000000
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -rows) rows="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
cmd="${1:-validate}"
[[ $# -gt 0 ]] && shift
extra=("$@")

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out"
mkdir -p "$out"

if [[ ! -x /usr/bin/time ]]; then
  echo "bench.sh: /usr/bin/time is missing; install it with: sudo apt-get install -y time" >&2
  exit 1
fi

echo "building capi-upload" >&2
(cd "$root" && go build -o "$out/capi-upload" .)

# The file's times are relative to the day it was made, so the cache key
# holds the date: a file older than the 7-day window would measure the
# stale path instead of the normal one.
input="$out/bench-$rows-$(date -u +%Y%m%d).csv"
if [[ ! -s "$input" ]]; then
  echo "generating $input" >&2
  (cd "$root" && go run ./bench/gen -rows "$rows" -out "$input")
fi

state=()
if [[ "$cmd" == upload ]]; then
  state=(--state "$out/bench.state")
fi

walls=() rates=() rsss=() cpus=()
for i in $(seq 1 "$runs"); do
  report="$out/reports/run-$i"
  rm -rf "$report"
  rm -f "$out/bench.state"
  log="$out/time-$i.txt"
  status=0
  /usr/bin/time -v -o "$log" "$out/capi-upload" "$cmd" --config "$root/bench/bench.yaml" \
    --report-dir "$report" --progress never "${state[@]}" "${extra[@]}" "$input" \
    >"$out/stdout-$i.txt" 2>"$out/stderr-$i.txt" || status=$?
  # Exit 3 and 4 are outcomes (failed rows, reject ratio), not a broken run.
  if [[ $status -ne 0 && $status -ne 3 && $status -ne 4 ]]; then
    echo "run $i: capi-upload exited $status; see $out/stderr-$i.txt" >&2
    tail -5 "$out/stderr-$i.txt" >&2
    exit 1
  fi
  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.31"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0
    for (k = 1; k <= n; k++) s = s * 60 + p[k]
    printf "%.3f", s }' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log")
  # CPU seconds (user + system) tell the program's cost apart from a
  # busy machine's: on a loaded host wall time grows, CPU time does not.
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$log")
  rate=$(awk -v r="$rows" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0 ? r / w : 0) }')
  walls+=("$wall") rates+=("$rate") rsss+=("$rss") cpus+=("$cpu")
  printf 'run %d: %8.3f s  %10s rows/s  %8s MiB max RSS  %7s CPU s  (exit %d)\n' "$i" "$wall" "$rate" "$rss" "$cpu" "$status"
done

# median FORMAT VALUES...: the middle value (mean of the two middle ones).
median() {
  local fmt="$1"; shift
  printf '%s\n' "$@" | sort -g | awk -v f="$fmt" '{ a[NR] = $1 }
    END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf f, m }'
}
printf 'median (%d runs, %d rows, %s): %s s  %s rows/s  %s MiB max RSS  %s CPU s\n' \
  "$runs" "$rows" "$cmd" "$(median %.3f "${walls[@]}")" "$(median %.0f "${rates[@]}")" "$(median %.1f "${rsss[@]}")" "$(median %.2f "${cpus[@]}")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (a busy machine inflates wall time)"
