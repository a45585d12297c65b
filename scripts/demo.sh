#!/usr/bin/env bash
# The README quick start: generate the samples dated today, start the test
# double of Meta's /events edge on 127.0.0.1, and upload both samples to it.
# Nothing leaves this machine. Reports go to reports/demo-*/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

work=$(mktemp -d)
trap 'kill "${edge_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/capi-upload" .
go build -o "$work/fakeedge" ./tools/fakeedge
# Fresh copies dated today, so the events are inside the 7-day window.
go run ./samples/gen -out "$work"

"$work/fakeedge" >"$work/url" 2>"$work/edge.log" &
edge_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
export CAPI_GRAPH_URL=$(head -n1 "$work/url")
export CAPI_ACCESS_TOKEN=capitest-token   # the double's token; a real one comes from Events Manager
echo "test double of the /events edge at $CAPI_GRAPH_URL"

status=0
for s in pos:pos.csv crm:crm.xlsx; do
  name=${s%%:*} file=${s#*:}
  echo
  echo "\$ capi-upload upload --config samples/$name.yaml samples/$file"
  "$work/capi-upload" upload --config "samples/$name.yaml" --state "$work/demo.state" \
    --report-dir "reports/demo-$name" --progress never "$work/$file" || status=$?
done
echo
echo "Run again and nothing is sent twice (the ledger remembers):"
"$work/capi-upload" upload --config samples/pos.yaml --state "$work/demo.state" \
  --report-dir reports/demo-pos-again --progress never "$work/pos.csv" | head -n 6 || true
exit $status
