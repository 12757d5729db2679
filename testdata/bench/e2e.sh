#!/usr/bin/env bash
# End-to-end timings against the lab, median of 3 runs each, for a generated
# 10,000-record zone (bench.test.): initial push via rfc2136 to BIND and via
# the PowerDNS API, a no-change diff against all four servers, and a 1%
# change synced to all four. Prints one line per figure; asserts nothing
# about speed (figures go in notes, not in tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-10000}
ZONE=${BENCH_ZONE:-bench.test.}
RUNS=${RUNS:-3}

lab=testdata/lab/lab.sh
"$lab" start >/dev/null
set -a; . "${LAB_DIR:-/tmp/dnsquorum-lab}/lab.env"; set +a

go build -o bin/dnsquorum ./cmd/dnsquorum
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
go run ./testdata/bench/genzone -n "$N" -zone "$ZONE" > "$work/base.yaml"
go run ./testdata/bench/genzone -n "$N" -zone "$ZONE" -change 0.01 > "$work/changed.yaml"

# seconds ARGS...: run bin/dnsquorum, print the wall time in seconds.
seconds() {
  local s e rc=0
  s=$(date +%s.%N)
  bin/dnsquorum "$@" >"$work/out" 2>&1 || rc=$?
  e=$(date +%s.%N)
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then echo "dnsquorum $* failed ($rc):" >&2; tail -20 "$work/out" >&2; exit 1; fi
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

figure() { # LABEL RESET(yes|no) ARGS...
  local label=$1 reset=$2; shift 2
  local i times=()
  for ((i = 0; i < RUNS; i++)); do
    [ "$reset" = yes ] && "$lab" reset "$ZONE" >/dev/null
    [ "$reset" = changed ] && { bin/dnsquorum -c "$work/base.yaml" sync --yes >/dev/null; }
    times+=("$(seconds "$@")")
  done
  printf '%-55s median %6.3f s   runs: %s\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
}

echo "$ZONE: $N records, 4 servers, median of $RUNS"
figure "initial push via rfc2136 to BIND"              yes -c "$work/base.yaml" sync --yes --provider bind
figure "initial push via the PowerDNS API"             yes -c "$work/base.yaml" sync --yes --provider pdns
figure "initial push to all four"                      yes -c "$work/base.yaml" sync --yes
bin/dnsquorum -c "$work/base.yaml" sync --yes >/dev/null
figure "no-change diff against all four"               no  -c "$work/base.yaml" diff
figure "1% change synced to all four"                  changed -c "$work/changed.yaml" sync --yes
"$lab" reset "$ZONE" >/dev/null
