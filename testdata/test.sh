#!/usr/bin/env bash
# The README's test command: installs the nameservers when missing, starts the
# lab (unless one is already running, which it then leaves running), and runs
# every test, lab tests included: with DNSQUORUM_LAB_REQUIRED=1 a test that
# needs the lab fails instead of skipping when the lab is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

lab=testdata/lab/lab.sh
started=0
if ! "$lab" status >/dev/null 2>&1; then
  "$lab" install
  "$lab" start
  started=1
fi
cleanup() { if [ "$started" = 1 ]; then "$lab" stop || true; fi; }
trap cleanup EXIT

# The watch status page is tested in headless Chromium (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -y -q -o DPkg::Lock::Timeout=300 install --no-install-recommends chromium ||
    { apt-get -y -q update && apt-get -y -q install --no-install-recommends chromium; }
fi
export DNSQUORUM_LAB_REQUIRED=1 DNSQUORUM_BROWSER_REQUIRED=1
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
# -p 1: lab tests of different packages share servers; PowerDNS with SQLite
# wedges on concurrent writers (see testdata/lab/README.md).
go test -count=1 -p 1 -timeout 20m ./...
