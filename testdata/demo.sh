#!/usr/bin/env bash
# The README's main job: start the lab's four nameservers (BIND 9, Knot DNS,
# PowerDNS, NSD) on loopback, sync the example zone to all of them, show that
# a second diff is clean, then prove every nameserver serves it.
set -euo pipefail
cd "$(dirname "$0")/.."

testdata/lab/lab.sh start
# Start from the lab's bare zone (SOA + NS) so every run shows the whole story.
testdata/lab/lab.sh reset example.test. >/dev/null 2>&1
set -a
# shellcheck disable=SC1091
. "${LAB_DIR:-/tmp/dnsquorum-lab}/lab.env"
set +a

go build -o bin/dnsquorum ./cmd/dnsquorum
dq() { bin/dnsquorum -c testdata/example/dnsquorum.yaml "$@"; }

step() { printf '\n\033[1m$ dnsquorum %s\033[0m\n' "$*"; }

step validate
dq validate

step diff
rc=0; dq diff || rc=$?
[ "$rc" -le 2 ] || exit "$rc"   # 2 = changes pending, expected on a fresh lab

step sync --yes
dq sync --yes

step diff
dq diff   # exits 0: every provider in sync

step check --parent "$LAB_PARENT" --resolver "$LAB_PARENT"
dq check --parent "$LAB_PARENT" --resolver "$LAB_PARENT"   # the parent server also answers for the lab nameservers' names
