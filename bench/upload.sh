#!/usr/bin/env bash
# upload.sh measures `capi-upload upload` against the local test double
# (tools/fakeedge, on 127.0.0.1) and compares it with `validate` on the
# same file, as issue 3 asks: throughput with no latency, and the
# efficiency of keeping requests in flight when each takes a while.
#
#   bench/upload.sh [-n RUNS] [-rows ROWS] [-latency DUR] [-concurrency N] [-shared] [-sink] [-config FILE] [-ledger FILE]
#
#   bench/upload.sh                            # 1,000,000 rows, 5 runs, no latency
#   bench/upload.sh -n 1 -latency 600ms -concurrency 8
#   bench/upload.sh -config bench/derived.yaml   # event ids derived, not mapped
#   bench/upload.sh -shared -sink              # capi-upload on every CPU, a server that costs next to nothing
#   bench/upload.sh -config bench/derived.yaml -ledger big.state   # into a ledger that already holds events
#
# On a machine with two CPUs or more, the double runs on the last CPU and
# capi-upload (upload and validate alike) on CPU 0, so that the double's
# work, which Meta's servers would do elsewhere, does not take the
# client's CPU; both commands then get the same single CPU, and their
# rows/s compare like for like. -shared lets all three share every CPU.
# -sink swaps the double for a sink that answers every batch without
# checking it (fakeedge -sink): with -shared, capi-upload then has the
# machine nearly to itself, as it would with Meta's servers elsewhere.
# -ledger FILE starts each upload from a copy of FILE (a ledger an earlier
# upload of other rows wrote) instead of an empty ledger, and has validate
# read that copy too, to measure a run on a ledger of some size.
# Per run it prints wall time, rows/s, max RSS and CPU seconds of
# capi-upload, and the double's CPU seconds; then medians, the ratio of
# upload's rows/s to validate's (of the medians, and the median of each
# pair's ratio), and, with -latency, the efficiency
# ideal/actual, where ideal = ceil(rows/1000) x latency / concurrency.
set -euo pipefail

runs=5 rows=1000000 latency=0s concurrency=4 shared=0 sink=0 config= ledger=
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -rows) rows="$2"; shift 2 ;;
    -latency) latency="$2"; shift 2 ;;
    -concurrency) concurrency="$2"; shift 2 ;;
    -shared) shared=1; shift ;;
    -sink) sink=1; shift ;;
    -config) config="$2"; shift 2 ;;
    -ledger) ledger="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "upload.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ $sink -eq 1 && "$latency" != 0s && "$latency" != 0 ]]; then
  echo "upload.sh: -sink answers at once; -latency needs the full double" >&2
  exit 2
fi

if [[ -n "$ledger" && ! -s "$ledger" ]]; then
  echo "upload.sh: -ledger $ledger: no such ledger" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${config:-$root/bench/bench.yaml}"
config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
out="$root/bench/out"
mkdir -p "$out"
for tool in /usr/bin/time taskset; do
  if ! command -v "$tool" >/dev/null; then
    echo "upload.sh: $tool is missing (apt-get install -y time util-linux)" >&2
    exit 1
  fi
done

echo "building capi-upload and fakeedge" >&2
(cd "$root" && go build -o "$out/capi-upload" . && go build -o "$out/fakeedge" ./tools/fakeedge)

input="$out/bench-$rows-$(date -u +%Y%m%d).csv"
if [[ ! -s "$input" ]]; then
  echo "generating $input" >&2
  (cd "$root" && go run ./bench/gen -rows "$rows" -out "$input")
fi

client=() edge=()
cpus=$(nproc)
if [[ $shared -eq 0 && $cpus -ge 2 ]]; then
  client=(taskset -c 0)
  edge=(taskset -c $((cpus - 1)))
fi

# The double prints its URL on its first line and stops when its stdin
# closes, so it never outlives the script.
edgeflags=(-stdin -latency "$latency")
[[ $sink -eq 1 ]] && edgeflags=(-stdin -sink)
coproc EDGE { exec "${edge[@]}" "$out/fakeedge" "${edgeflags[@]}" 2>"$out/fakeedge.log"; }
edge_pid=$EDGE_PID
edge_in=${EDGE[1]}
# Closing the double's stdin stops it; wait for it so that it is reaped.
trap 'exec {edge_in}>&-; wait "$edge_pid" 2>/dev/null || true' EXIT
read -r url <&"${EDGE[0]}"
case "$url" in
  http://127.0.0.1:*) ;;
  *) echo "upload.sh: fakeedge printed $url, not a loopback URL" >&2; exit 1 ;;
esac
export CAPI_GRAPH_URL="$url" CAPI_ACCESS_TOKEN=capitest-token

edge_cpu() { # the double's user + system CPU seconds so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$edge_pid/stat"
}

# one NAME SUBCOMMAND [ARGS...]: runs capi-upload once, prints a line and
# appends "wall rate rss cpu edgecpu" to $out/NAME.runs.
one() {
  local name="$1"; shift
  local log="$out/time-$name.txt" report="$out/reports/$name" status=0
  rm -rf "$report" "$out/upload.state"
  [[ -n "$ledger" ]] && cp "$ledger" "$out/upload.state"
  local e0; e0=$(edge_cpu)
  "${client[@]}" /usr/bin/time -v -o "$log" "$out/capi-upload" "$@" --config "$config" \
    --report-dir "$report" --progress never "$input" >"$out/stdout-$name.txt" 2>"$out/stderr-$name.txt" || status=$?
  if [[ $status -ne 0 ]]; then
    echo "$name: capi-upload exited $status; see $out/stderr-$name.txt" >&2
    tail -5 "$out/stderr-$name.txt" >&2
    exit 1
  fi
  local e1; e1=$(edge_cpu)
  awk -F': ' -v rows="$rows" -v e0="$e0" -v e1="$e1" -v name="$name" -v runs="$out/${name%-*}.runs" '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); for (k = 1; k <= n; k++) wall = wall * 60 + p[k] }
    /Maximum resident set size/ { rss = $2 / 1024 }
    /User time|System time/ { cpu += $2 }
    END {
      printf "%-14s %8.3f s %10.0f rows/s %8.1f MiB max RSS %7.2f CPU s   fakeedge %6.2f CPU s\n", name, wall, rows / wall, rss, cpu, e1 - e0
      printf "%.3f %.0f %.1f %.2f %.2f\n", wall, rows / wall, rss, cpu, e1 - e0 >> runs
    }' "$log"
}

rm -f "$out/validate.runs" "$out/upload.runs"
for i in $(seq 1 "$runs"); do
  if [[ "$latency" == 0s || "$latency" == 0 ]]; then
    one "validate-$i" validate --state "$out/upload.state"
  fi
  one "upload-$i" upload --state "$out/upload.state" --concurrency "$concurrency"
done

median() { # median of column $1 of file $2
  sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ a[NR] = $c } END { printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
mode="capi-upload on CPU 0, fakeedge on CPU $((cpus - 1))"
[[ ${#client[@]} -eq 0 ]] && mode="all on $cpus shared CPUs"
[[ $sink -eq 1 ]] && mode="$mode, fakeedge -sink"
[[ -n "$ledger" ]] && mode="$mode, ledger $(basename "$ledger")"
echo "medians of $runs runs, $rows rows, latency $latency, concurrency $concurrency ($mode):"
for name in validate upload; do
  [[ -s "$out/$name.runs" ]] || continue
  printf '  %-8s %8.3f s %10.0f rows/s %8.1f MiB max RSS %7.2f CPU s   fakeedge %6.2f CPU s\n' "$name" \
    "$(median 1 "$out/$name.runs")" "$(median 2 "$out/$name.runs")" "$(median 3 "$out/$name.runs")" \
    "$(median 4 "$out/$name.runs")" "$(median 5 "$out/$name.runs")"
done
if [[ -s "$out/validate.runs" ]]; then
  awk -v u="$(median 2 "$out/upload.runs")" -v v="$(median 2 "$out/validate.runs")" \
    'BEGIN { printf "  upload rows/s / validate rows/s = %.2f (target: at least 0.80)\n", u / v }'
  # Each upload runs right after its validate, so their ratio cancels the
  # drift of a shared machine's speed, which the medians above keep.
  paste -d' ' "$out/validate.runs" "$out/upload.runs" | awk '{ print $7 / $2 }' >"$out/pairs.runs"
  printf '  per pair (validate-i, upload-i): ratios %s; median %.2f\n' \
    "$(sort -g "$out/pairs.runs" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')" "$(median 1 "$out/pairs.runs")"
else
  awk -v w="$(median 1 "$out/upload.runs")" -v rows="$rows" -v lat="$latency" -v c="$concurrency" 'BEGIN {
    s = lat; unit = 1
    if (s ~ /ms$/) { sub(/ms$/, "", s); unit = 0.001 } else { sub(/s$/, "", s) }
    ideal = int((rows + 999) / 1000) * s * unit / c
    printf "  efficiency = ideal %.1f s / actual %.1f s = %.3f (target: at least 0.95)\n", ideal, w, ideal / w }'
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $cpus CPUs"
