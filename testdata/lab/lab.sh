#!/usr/bin/env bash
# lab.sh - real authoritative nameservers on loopback for dnsquorum tests.
#
#   lab.sh install        apt-get install the servers when missing (idempotent, fast when present)
#   lab.sh start          start parent (NSD) + BIND + Knot + PowerDNS + NSD, write LAB_DIR/lab.env
#   lab.sh stop           stop exactly the PIDs this lab started, remove the lo addresses it added
#   lab.sh status         per server: pid, alive, answering
#   lab.sh reset ZONE     bring ZONE back to its minimal content (SOA + apex NS) on all four servers
#   lab.sh env            print LAB_DIR/lab.env
#
# Environment: LAB_DIR (default /tmp/dnsquorum-lab), LAB_PORT (default 53),
#              LAB_PDNS_HTTP_PORT (default 8081), LAB_RNDC_PORT (default 953),
#              LAB_ZONES (default "example.test. scratch.test. check.test. bench.test.").
# All DNS traffic stays on 127.0.0.0/8. See README.md beside this file.
set -euo pipefail
umask 022

LAB_DIR=${LAB_DIR:-/tmp/dnsquorum-lab}
LAB_PORT=${LAB_PORT:-53}
LAB_PDNS_HTTP_PORT=${LAB_PDNS_HTTP_PORT:-8081}
LAB_RNDC_PORT=${LAB_RNDC_PORT:-953}
LAB_ZONES=${LAB_ZONES:-example.test. scratch.test. check.test. bench.test.}

LAB_PARENT=127.0.0.10
LAB_BIND=127.0.0.11
LAB_KNOT=127.0.0.12
LAB_PDNS=127.0.0.13
LAB_NSD=127.0.0.14

LAB_TSIG_NAME=dnsquorum.
LAB_TSIG_ALG=hmac-sha256

SERVERS="parent bind knot pdns nsd"   # start/stop/status order
CHILD_SERVERS="bind knot pdns nsd"

# Starting serials: unrelated on purpose, as with real providers.
declare -A INITIAL_SERIAL=([bind]=1 [knot]=100 [pdns]=2000 [nsd]=1000 [parent]=1)
declare -A ADDR=([parent]=$LAB_PARENT [bind]=$LAB_BIND [knot]=$LAB_KNOT [pdns]=$LAB_PDNS [nsd]=$LAB_NSD)
declare -A COMM=([parent]=nsd [bind]=named [knot]=knotd [pdns]=pdns_server [nsd]=nsd)
declare -A MNAME=([parent]=ns1.parent.lab.test. [bind]=ns1.bind.lab.test. [knot]=ns1.knot.lab.test.
                  [pdns]=ns1.pdns.lab.test. [nsd]=ns1.nsd.lab.test.)

PIDDIR=$LAB_DIR/pids
ENVFILE=$LAB_DIR/lab.env

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

check_lab_dir() {
  [[ $LAB_DIR =~ ^/[A-Za-z0-9._/-]+$ ]] || die "LAB_DIR must be an absolute path without spaces or special characters: '$LAB_DIR'"
  [[ $LAB_DIR != / && $LAB_DIR != /tmp && $LAB_DIR != /tmp/ ]] || die "LAB_DIR too broad: $LAB_DIR"
  [[ $LAB_PORT =~ ^[0-9]+$ ]] || die "LAB_PORT must be a number: $LAB_PORT"
}

# Normalize a zone name to lower case with a trailing dot.
fqdn() { local z=${1,,}; [[ $z == *. ]] || z=$z.; printf '%s' "$z"; }

# ---------------------------------------------------------------- install
PACKAGES="bind9 bind9-utils bind9-dnsutils knot knot-dnsutils pdns-server pdns-backend-sqlite3 nsd sqlite3 dnsutils curl iproute2"
NEEDED_BINS="named rndc knotd knotc pdns_server pdnsutil nsd nsd-control dig nsupdate sqlite3 curl ip"

bins_missing() {
  local b
  for b in $NEEDED_BINS; do
    command -v "$b" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null 2>&1 || return 0
  done
  return 1
}

cmd_install() {
  local missing=() p
  for p in $PACKAGES; do
    if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    log "install: all packages present"
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "install: need root to apt-get install ${missing[*]}"
  log "install: missing ${missing[*]}"
  # Keep the distro daemons from starting on port 53 while the packages install.
  local created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# created by dnsquorum testdata/lab/lab.sh during install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
    # shellcheck disable=SC2064
    trap "rm -f /usr/sbin/policy-rc.d" EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  # A machine whose package lists were never fetched knows no candidate: update once then.
  if ! apt-cache policy bind9 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    "${apt[@]}" update
  fi
  if ! "${apt[@]}" install --no-install-recommends "${missing[@]}"; then
    log "install: retrying after apt-get update"
    "${apt[@]}" update
    "${apt[@]}" install --no-install-recommends "${missing[@]}"
  fi
  if ((created_policy)); then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  log "install: done"
}

# ---------------------------------------------------------------- process helpers

# alive PID COMM: true when /proc/PID/stat exists, is not a zombie/dead, and comm matches.
alive() {
  local pid=$1 want=${2:-} stat state comm
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  comm=${stat#*(}; comm=${comm%)*}
  state=${stat##*) }; state=${state%% *}
  [[ $state != Z && $state != X && $state != x ]] || return 1
  # prefix match: NSD renames its processes "nsd: xfrd", "nsd: main", "nsd: server 1".
  [[ -z $want || $comm == "$want"* ]] || return 1
  return 0
}

pidof_server() { cat "$PIDDIR/$1.pid" 2>/dev/null || true; }

# children PID: direct children of PID (used for NSD's forked workers).
children_of() {
  local parent=$1 f stat rest ppid
  for f in /proc/[0-9]*/stat; do
    stat=$(cat "$f" 2>/dev/null) || continue
    rest=${stat##*) }
    ppid=$(awk '{print $2}' <<<"$rest")
    [[ $ppid == "$parent" ]] && { f=${f#/proc/}; printf '%s\n' "${f%/stat}"; }
  done
  return 0
}

# soa_line ADDR ZONE: prints the SOA rdata line when the server answers, else nothing.
soa_line() {
  local out
  out=$(dig @"$1" -p "$LAB_PORT" "$2" SOA +norec +short +time=1 +tries=1 2>/dev/null || true)
  # dig +short prints errors (";; connection timed out ...") on stdout: look for the SOA itself.
  grep -E '^[^ ;]+\.? [^ ]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$' <<<"$out" | head -n1 || true
}
soa_serial() { local l; l=$(soa_line "$1" "$2"); [[ -n $l ]] && awk '{print $3}' <<<"$l"; return 0; }

zones_of() { if [[ $1 == parent ]]; then echo test.; else echo "$LAB_ZONES"; fi; }

# ---------------------------------------------------------------- zone content
child_zone_text() { # ZONE MNAME SERIAL
  local z=$1 mname=$2 serial=$3
  cat <<EOF
\$ORIGIN $z
\$TTL 300
@ IN SOA $mname hostmaster.lab.test. ( $serial 3600 600 86400 300 )
@ IN NS ns1.bind.lab.test.
@ IN NS ns1.knot.lab.test.
@ IN NS ns1.pdns.lab.test.
@ IN NS ns1.nsd.lab.test.
EOF
}

parent_zone_text() {
  local z
  cat <<EOF
\$ORIGIN test.
\$TTL 300
@ IN SOA ns1.parent.lab.test. hostmaster.lab.test. ( 1 3600 600 86400 300 )
@ IN NS ns1.parent.lab.test.
ns1.parent.lab IN A $LAB_PARENT
ns1.bind.lab   IN A $LAB_BIND
ns1.knot.lab   IN A $LAB_KNOT
ns1.pdns.lab   IN A $LAB_PDNS
ns1.nsd.lab    IN A $LAB_NSD
EOF
  for z in $LAB_ZONES; do
    printf '%s IN NS ns1.bind.lab.test.\n%s IN NS ns1.knot.lab.test.\n%s IN NS ns1.pdns.lab.test.\n%s IN NS ns1.nsd.lab.test.\n' "$z" "$z" "$z" "$z"
  done
}

# ---------------------------------------------------------------- configs
write_secrets() {
  LAB_TSIG_SECRET=$(head -c 32 /dev/urandom | base64 -w0)
  RNDC_SECRET=$(head -c 32 /dev/urandom | base64 -w0)
  LAB_PDNS_API_KEY=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  umask 077
  printf 'key "%s" {\n\talgorithm %s;\n\tsecret "%s";\n};\n' "$LAB_TSIG_NAME" "$LAB_TSIG_ALG" "$LAB_TSIG_SECRET" >"$LAB_DIR/tsig.key"
  printf '%s\n' "$LAB_TSIG_SECRET" >"$LAB_DIR/tsig.secret"
  printf '%s\n' "$LAB_PDNS_API_KEY" >"$LAB_DIR/pdns/api.key"
  umask 022
}

bind_zone_stmt() { # ZONE FILE
  printf '{ type primary; file "%s"; allow-update { key "%s"; }; allow-transfer { key "%s"; }; notify no; };' \
    "$2" "$LAB_TSIG_NAME" "$LAB_TSIG_NAME"
}

write_bind() {
  local d=$LAB_DIR/bind
  mkdir -p "$d/zones"
  umask 077
  printf 'key "lab-rndc" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$RNDC_SECRET" >"$d/rndc.key"
  cat >"$d/rndc.conf" <<EOF
include "$d/rndc.key";
options { default-key "lab-rndc"; default-server $LAB_BIND; default-port $LAB_RNDC_PORT; };
EOF
  umask 022
  cat >"$d/named.conf" <<EOF
// dnsquorum lab BIND: zones are added with rndc addzone (allow-new-zones) so reset can delzone/addzone.
include "$LAB_DIR/tsig.key";
include "$d/rndc.key";
controls { inet $LAB_BIND port $LAB_RNDC_PORT allow { 127.0.0.0/8; } keys { "lab-rndc"; }; };
options {
	directory "$d";
	pid-file "$d/named.pid";
	session-keyfile "$d/session.key";
	managed-keys-directory "$d";
	new-zones-directory "$d";
	dump-file "$d/named_dump.db";
	statistics-file "$d/named.stats";
	listen-on port $LAB_PORT { $LAB_BIND; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	allow-transfer { none; };
	dnssec-validation no;
	empty-zones-enable no;
	notify no;
	allow-new-zones yes;
	querylog no;
};
EOF
}

write_knot() {
  local d=$LAB_DIR/knot z
  mkdir -p "$d/zones" "$d/storage" "$d/run"
  {
    cat <<EOF
# dnsquorum lab Knot DNS
server:
    rundir: "$d/run"
    pidfile: "$d/run/knot.pid"
    listen: $LAB_KNOT@$LAB_PORT
log:
  - target: "$d/knot.log"
    any: info

database:
    storage: "$d/storage"

control:
    listen: "$d/knot.sock"

key:
  - id: $LAB_TSIG_NAME
    algorithm: $LAB_TSIG_ALG
    secret: $LAB_TSIG_SECRET

acl:
  - id: lab_tsig
    address: 127.0.0.0/8
    key: $LAB_TSIG_NAME
    action: [update, transfer]

template:
  - id: default
    storage: "$d/zones"
    file: "%s.zone"
    zonefile-sync: 0
    zonefile-load: whole
    journal-content: changes
    semantic-checks: off
    serial-policy: increment
    acl: lab_tsig

zone:
EOF
    for z in $LAB_ZONES; do printf '  - domain: %s\n' "$z"; done
  } >"$d/knot.conf"
  for z in $LAB_ZONES; do
    child_zone_text "$z" "${MNAME[knot]}" "${INITIAL_SERIAL[knot]}" >"$d/zones/${z}zone"
  done
}

write_pdns() {
  local d=$LAB_DIR/pdns
  mkdir -p "$d/run"
  sqlite3 "$d/pdns.sqlite3" </usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
  cat >"$d/pdns.conf" <<EOF
# dnsquorum lab PowerDNS (started with --config-dir=$d so /etc/powerdns is ignored)
launch=gsqlite3
gsqlite3-database=$d/pdns.sqlite3
local-address=$LAB_PDNS:$LAB_PORT
socket-dir=$d/run
daemon=no
guardian=no
write-pid=no
disable-syslog=yes
loglevel=4
security-poll-suffix=
primary=no
secondary=no
api=yes
api-key=$LAB_PDNS_API_KEY
webserver=yes
webserver-address=$LAB_PDNS
webserver-port=$LAB_PDNS_HTTP_PORT
webserver-allow-from=127.0.0.0/8
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
allow-axfr-ips=
disable-axfr=no
cache-ttl=0
negquery-cache-ttl=0
query-cache-ttl=0
EOF
}

write_nsd() { # NAME DIR ADDR ZONES...
  local name=$1 d=$2 addr=$3 z
  shift 3
  mkdir -p "$d/zones" "$d/xfr"
  {
    cat <<EOF
# dnsquorum lab NSD ($name)
server:
    ip-address: $addr
    port: $LAB_PORT
    do-ip4: yes
    do-ip6: no
    server-count: 1
    reuseport: no
    username: ""
    chroot: ""
    database: ""
    zonefiles-write: 0
    zonesdir: "$d/zones"
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d/xfr"
    pidfile: "$d/nsd.pid"
    logfile: "$d/nsd.log"
    verbosity: 1
    hide-version: yes

remote-control:
    control-enable: yes
    control-interface: "$d/nsd.ctl"

EOF
    # AXFR with the lab TSIG key only (NSD has no dynamic update).
    printf 'key:\n    name: "%s"\n    algorithm: %s\n    secret: "%s"\n\n' "$LAB_TSIG_NAME" "$LAB_TSIG_ALG" "$LAB_TSIG_SECRET"
    for z in "$@"; do
      printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n    provide-xfr: 127.0.0.0/8 %s\n\n' "$z" "$d/zones/${z}zone" "$LAB_TSIG_NAME"
    done
  } >"$d/nsd.conf"
}

write_nsd_all() {
  local z
  write_nsd parent "$LAB_DIR/parent" "$LAB_PARENT" test.
  parent_zone_text >"$LAB_DIR/parent/zones/test.zone"
  # shellcheck disable=SC2086
  write_nsd nsd "$LAB_DIR/nsd" "$LAB_NSD" $LAB_ZONES
  for z in $LAB_ZONES; do
    child_zone_text "$z" "${MNAME[nsd]}" "${INITIAL_SERIAL[nsd]}" >"$LAB_DIR/nsd/zones/${z}zone"
  done
}

write_env() {
  local f=$ENVFILE.tmp
  {
    echo "# dnsquorum lab, written by testdata/lab/lab.sh start at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'LAB_DIR=%q\n' "$LAB_DIR"
    printf 'LAB_PORT=%q\n' "$LAB_PORT"
    printf 'LAB_ZONES=%q\n' "$LAB_ZONES"
    printf 'LAB_PARENT=%q\n' "$LAB_PARENT"
    printf 'LAB_PARENT_ZONE=%q\n' test.
    printf 'LAB_BIND=%q\n' "$LAB_BIND"
    printf 'LAB_KNOT=%q\n' "$LAB_KNOT"
    printf 'LAB_PDNS=%q\n' "$LAB_PDNS"
    printf 'LAB_NSD=%q\n' "$LAB_NSD"
    printf 'LAB_NS_BIND=%q\nLAB_NS_KNOT=%q\nLAB_NS_PDNS=%q\nLAB_NS_NSD=%q\n' \
      "${MNAME[bind]}" "${MNAME[knot]}" "${MNAME[pdns]}" "${MNAME[nsd]}"
    printf 'LAB_TSIG_NAME=%q\n' "$LAB_TSIG_NAME"
    printf 'LAB_TSIG_ALG=%q\n' "$LAB_TSIG_ALG"
    printf 'LAB_TSIG_SECRET=%q\n' "$LAB_TSIG_SECRET"
    printf 'LAB_TSIG_KEYFILE=%q\n' "$LAB_DIR/tsig.key"
    printf 'LAB_PDNS_URL=%q\n' "http://$LAB_PDNS:$LAB_PDNS_HTTP_PORT"
    printf 'LAB_PDNS_API_KEY=%q\n' "$LAB_PDNS_API_KEY"
    printf 'LAB_PDNS_HTTP_PORT=%q\n' "$LAB_PDNS_HTTP_PORT"
    printf 'LAB_PDNS_SERVER_ID=%q\n' localhost
    printf 'LAB_NSD_CONF=%q\n' "$LAB_DIR/nsd/nsd.conf"
    printf 'LAB_NSD_ZONEDIR=%q\n' "$LAB_DIR/nsd/zones"
    printf 'LAB_NSD_RELOAD=%q\n' "nsd-control -c $LAB_DIR/nsd/nsd.conf reload"
    printf 'LAB_KNOT_CONF=%q\n' "$LAB_DIR/knot/knot.conf"
    printf 'LAB_KNOT_SOCKET=%q\n' "$LAB_DIR/knot/knot.sock"
    printf 'LAB_KNOTC=%q\n' "knotc -c $LAB_DIR/knot/knot.conf -s $LAB_DIR/knot/knot.sock"
    printf 'LAB_KNOT_ZONEDIR=%q\n' "$LAB_DIR/knot/zones"
    printf 'LAB_BIND_CONF=%q\n' "$LAB_DIR/bind/named.conf"
    printf 'LAB_BIND_ZONEDIR=%q\n' "$LAB_DIR/bind/zones"
    printf 'LAB_RNDC=%q\n' "rndc -c $LAB_DIR/bind/rndc.conf"
    printf 'LAB_RNDC_PORT=%q\n' "$LAB_RNDC_PORT"
  } >"$f"
  mv "$f" "$ENVFILE"
}

load_env() {
  [[ -r $ENVFILE ]] || die "no $ENVFILE: is the lab started? (lab.sh start)"
  # shellcheck disable=SC1090
  source "$ENVFILE"
}

# ---------------------------------------------------------------- PowerDNS API
pdns_api() { # METHOD PATH [JSON] -> body on stdout; fails on non-2xx
  local method=$1 path=$2 data=${3:-} out code
  local args=(-sS -m 10 -X "$method" -H "X-API-Key: $LAB_PDNS_API_KEY" -w '\n%{http_code}')
  [[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data "$data")
  out=$(curl "${args[@]}" "http://$LAB_PDNS:$LAB_PDNS_HTTP_PORT/api/v1/servers/localhost$path") || return 1
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  if [[ $code != 2* ]]; then
    log "pdns api $method $path -> HTTP $code: $out"
    return 1
  fi
  printf '%s' "$out"
}

pdns_create_zone() { # ZONE SERIAL
  local z=$1 serial=$2 ns
  ns=$(printf '{"content":"%s","disabled":false},' ns1.bind.lab.test. ns1.knot.lab.test. ns1.pdns.lab.test. ns1.nsd.lab.test.)
  ns=${ns%,}
  # master_tsig_key_ids is how the API sets TSIG-ALLOW-AXFR (the metadata endpoint refuses that kind).
  pdns_api POST /zones "{\"name\":\"$z\",\"kind\":\"Native\",\"soa_edit_api\":\"INCREASE\",\"master_tsig_key_ids\":[\"$LAB_TSIG_NAME\"],\"nameservers\":[],\"rrsets\":[
    {\"name\":\"$z\",\"type\":\"SOA\",\"ttl\":300,\"records\":[{\"content\":\"${MNAME[pdns]} hostmaster.lab.test. $serial 3600 600 86400 300\",\"disabled\":false}]},
    {\"name\":\"$z\",\"type\":\"NS\",\"ttl\":300,\"records\":[$ns]}]}" >/dev/null
  pdns_api PUT "/zones/$z/metadata/SOA-EDIT-DNSUPDATE" '{"metadata":["INCREASE"]}' >/dev/null
  pdns_api PUT "/zones/$z/metadata/TSIG-ALLOW-DNSUPDATE" "{\"metadata\":[\"$LAB_TSIG_NAME\"]}" >/dev/null
}

pdns_setup() {
  local i z
  for ((i = 0; i < 100; i++)); do
    pdns_api GET "" >/dev/null 2>&1 && break
    alive "$(pidof_server pdns)" pdns_server || { log "pdns died while starting"; return 1; }
    sleep 0.1
  done
  pdns_api GET "" >/dev/null || { log "pdns API not reachable"; return 1; }
  pdns_api POST /tsigkeys "{\"name\":\"$LAB_TSIG_NAME\",\"algorithm\":\"$LAB_TSIG_ALG\",\"key\":\"$LAB_TSIG_SECRET\"}" >/dev/null
  for z in $LAB_ZONES; do pdns_create_zone "$z" "${INITIAL_SERIAL[pdns]}"; done
}

# ---------------------------------------------------------------- BIND via rndc
rndc_() { rndc -c "$LAB_DIR/bind/rndc.conf" "$@"; }

bind_add_zone() { # ZONE SERIAL
  local z=$1 serial=$2 file
  file="$LAB_DIR/bind/zones/${z}$(date +%s%N).db"   # fresh name per generation: no race with old file/journal
  child_zone_text "$z" "${MNAME[bind]}" "$serial" >"$file"
  rndc_ addzone "${z%.}" "$(bind_zone_stmt "$z" "$file")" >/dev/null
}

bind_setup() {
  local i z
  for ((i = 0; i < 100; i++)); do
    rndc_ status >/dev/null 2>&1 && break
    alive "$(pidof_server bind)" named || { log "named died while starting"; return 1; }
    sleep 0.1
  done
  rndc_ status >/dev/null || { log "rndc cannot reach named"; return 1; }
  for z in $LAB_ZONES; do bind_add_zone "$z" "${INITIAL_SERIAL[bind]}"; done
}

# ---------------------------------------------------------------- start / stop
launch() { # NAME LOGFILE CMD...
  local name=$1 logf=$2 pid
  shift 2
  # setsid: own session, so the caller's job control / process-group kills do not reach it;
  # output to a file, never a pipe (a daemon writing to a closed pipe dies of SIGPIPE).
  # 9>&-: the daemon must not inherit (and so hold) the lab lock.
  setsid "$@" </dev/null >>"$logf" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PIDDIR/$name.pid"
}

addr_on_lo() { ip -4 addr show dev lo | grep -qw "inet $1/32"; }

lab_running_any() {
  local s
  for s in $SERVERS; do alive "$(pidof_server "$s")" "${COMM[$s]}" && return 0; done
  return 1
}

lab_healthy() {
  local s z
  [[ -r $ENVFILE ]] || return 1
  # running with the requested port and zones?
  grep -qxF "LAB_PORT=$(printf %q "$LAB_PORT")" "$ENVFILE" || return 1
  grep -qxF "LAB_ZONES=$(printf %q "$LAB_ZONES")" "$ENVFILE" || return 1
  for s in $SERVERS; do
    alive "$(pidof_server "$s")" "${COMM[$s]}" || return 1
    for z in $(zones_of "$s"); do [[ -n $(soa_line "${ADDR[$s]}" "$z") ]] || return 1; done
  done
}

wait_ready() { # waits up to ~10 s for every server to answer every zone
  local deadline=$((SECONDS + 10)) s z pending
  while :; do
    pending=
    for s in $SERVERS; do
      alive "$(pidof_server "$s")" "${COMM[$s]}" || { log "$s (pid $(pidof_server "$s")) is not running"; return 1; }
      for z in $(zones_of "$s"); do
        [[ -n $(soa_line "${ADDR[$s]}" "$z") ]] || pending+=" $s:$z"
      done
    done
    [[ -z $pending ]] && return 0
    if ((SECONDS >= deadline)); then log "not answering:$pending"; return 1; fi
    sleep 0.2
  done
}

show_logs() {
  local f
  for f in "$LAB_DIR"/parent/nsd.log "$LAB_DIR"/bind/named.log "$LAB_DIR"/knot/knot.log "$LAB_DIR"/knot/knotd.out \
    "$LAB_DIR"/pdns/pdns.log "$LAB_DIR"/nsd/nsd.log "$LAB_DIR"/parent/nsd.out "$LAB_DIR"/nsd/nsd.out; do
    [[ -s $f ]] || continue
    printf -- '--- %s (last 15 lines)\n' "$f" >&2
    tail -n 15 "$f" >&2
  done
}

cmd_start() {
  check_lab_dir
  [[ $(id -u) == 0 ]] || die "start: must run as root (binds port $LAB_PORT, adds $LAB_BIND/32 to lo)"
  if bins_missing; then cmd_install; fi
  export PATH=$PATH:/usr/sbin:/sbin
  if lab_healthy; then
    log "already running and healthy (LAB_DIR=$LAB_DIR); nothing to do"
    return 0
  fi
  if lab_running_any || [[ -e $LAB_DIR/added-addrs ]]; then
    log "lab partly running, unhealthy or started with other settings: stopping it first"
    cmd_stop
  fi
  local t0=$SECONDS s busy
  for s in $SERVERS; do
    busy=$(ss -Hlnptu "src ${ADDR[$s]}:$LAB_PORT" 2>/dev/null || true)
    [[ -z $busy ]] || die "start: ${ADDR[$s]}:$LAB_PORT ($s) already in use: $busy"
  done
  busy=$(ss -Hlnpt "src $LAB_PDNS:$LAB_PDNS_HTTP_PORT" 2>/dev/null || true)
  [[ -z $busy ]] || die "start: $LAB_PDNS:$LAB_PDNS_HTTP_PORT (pdns API) already in use: $busy"
  busy=$(ss -Hlnpt "src $LAB_BIND:$LAB_RNDC_PORT" 2>/dev/null || true)
  [[ -z $busy ]] || die "start: $LAB_BIND:$LAB_RNDC_PORT (rndc) already in use: $busy"
  mkdir -p "$LAB_DIR"
  rm -rf "${LAB_DIR:?}"/{parent,bind,knot,pdns,nsd,pids} "$ENVFILE" "$LAB_DIR"/tsig.key "$LAB_DIR"/tsig.secret
  mkdir -p "$PIDDIR" "$LAB_DIR"/{parent,bind,knot,pdns,nsd}
  write_secrets
  write_bind
  write_knot
  write_pdns
  write_nsd_all

  if ! addr_on_lo "$LAB_BIND"; then
    ip addr add "$LAB_BIND/32" dev lo
    echo "$LAB_BIND" >>"$LAB_DIR/added-addrs"
  fi

  launch parent "$LAB_DIR/parent/nsd.out" nsd -d -c "$LAB_DIR/parent/nsd.conf"
  launch bind "$LAB_DIR/bind/named.log" named -g -c "$LAB_DIR/bind/named.conf"
  launch knot "$LAB_DIR/knot/knotd.out" knotd -c "$LAB_DIR/knot/knot.conf"
  launch pdns "$LAB_DIR/pdns/pdns.log" pdns_server --config-dir="$LAB_DIR/pdns"
  launch nsd "$LAB_DIR/nsd/nsd.out" nsd -d -c "$LAB_DIR/nsd/nsd.conf"

  if ! pdns_setup || ! bind_setup || ! wait_ready; then
    show_logs
    log "start failed; stopping what was started"
    cmd_stop || true
    return 1
  fi
  # Knot (and others) have been seen to answer once and then die: look again after a second query round.
  sleep 0.3
  if ! wait_ready; then
    show_logs
    log "a server died right after answering; stopping"
    cmd_stop || true
    return 1
  fi
  write_env
  log "started in $((SECONDS - t0)) s: parent=$LAB_PARENT bind=$LAB_BIND knot=$LAB_KNOT pdns=$LAB_PDNS nsd=$LAB_NSD port=$LAB_PORT"
  log "env: $ENVFILE"
  for s in $SERVERS; do printf '%-7s pid %s\n' "$s" "$(pidof_server "$s")"; done
}

cmd_stop() {
  check_lab_dir
  local s pid c targets=() deadline left a
  for s in $SERVERS; do
    pid=$(pidof_server "$s")
    if alive "$pid" "${COMM[$s]}"; then
      # NSD forks xfrd and server children: note them (exact PIDs) in case the parent is SIGKILLed.
      if [[ ${COMM[$s]} == nsd ]]; then
        for c in $(children_of "$pid"); do alive "$c" nsd && targets+=("$c:nsd"); done
      fi
      targets+=("$pid:${COMM[$s]}")
      kill -TERM "$pid" 2>/dev/null || true
      log "stop: $s pid $pid SIGTERM"
    fi
  done
  deadline=$((SECONDS + 5))
  while :; do
    left=()
    for a in "${targets[@]}"; do alive "${a%%:*}" "${a#*:}" && left+=("$a"); done
    ((${#left[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      for a in "${left[@]}"; do
        log "stop: pid ${a%%:*} (${a#*:}) still alive after 5 s: SIGKILL"
        kill -KILL "${a%%:*}" 2>/dev/null || true
      done
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  rm -f "$PIDDIR"/*.pid 2>/dev/null || true
  if [[ -r $LAB_DIR/added-addrs ]]; then
    while read -r a; do
      [[ -n $a ]] || continue
      if addr_on_lo "$a"; then ip addr del "$a/32" dev lo && log "stop: removed $a/32 from lo"; fi
    done <"$LAB_DIR/added-addrs"
    rm -f "$LAB_DIR/added-addrs"
  fi
  rm -f "$LAB_DIR/knot/knot.sock" "$LAB_DIR/nsd/nsd.ctl" "$LAB_DIR/parent/nsd.ctl" "$ENVFILE"
  log "stopped"
}

cmd_status() {
  check_lab_dir
  export PATH=$PATH:/usr/sbin:/sbin
  local s pid al ans z l ok=0
  # describe the lab that runs (its port and zones), not the defaults
  if [[ -r $ENVFILE ]]; then load_env; else echo "lab: no $ENVFILE (not started)"; fi
  printf '%-7s %-16s %-7s %-6s %s\n' SERVER ADDR PID ALIVE "ANSWERING (zone=serial)"
  for s in $SERVERS; do
    pid=$(pidof_server "$s")
    if alive "$pid" "${COMM[$s]}"; then al=yes; else al=no; ok=1; fi
    ans=
    for z in $(zones_of "$s"); do
      l=$(soa_line "${ADDR[$s]}" "$z")
      if [[ -n $l ]]; then ans+=" $z=$(awk '{print $3}' <<<"$l")"; else ans+=" $z=NO"; ok=1; fi
    done
    printf '%-7s %-16s %-7s %-6s%s\n' "$s" "${ADDR[$s]}:$LAB_PORT" "${pid:--}" "$al" "$ans"
  done
  return $ok
}

# ---------------------------------------------------------------- reset
next_serial() { local n=$((($1 + 1) % 4294967296)); ((n == 0)) && n=1; echo "$n"; }

cmd_reset() {
  check_lab_dir
  export PATH=$PATH:/usr/sbin:/sbin
  [[ $# == 1 ]] || die "usage: lab.sh reset ZONE"
  local z s old new want known=0 deadline pending
  load_env
  z=$(fqdn "$1")
  for s in $LAB_ZONES; do [[ $s == "$z" ]] && known=1; done
  ((known)) || die "reset: $z is not a lab zone ($LAB_ZONES)"
  declare -A OLD=()
  for s in $CHILD_SERVERS; do
    old=$(soa_serial "${ADDR[$s]}" "$z")
    [[ -n $old ]] || die "reset: $s ($z) does not answer SOA; is the lab running? (lab.sh status)"
    OLD[$s]=$old
  done

  # BIND: delete the zone and add it again from a freshly named file (no race with BIND's
  # asynchronous dump of the old file, no stale journal).
  new=$(next_serial "${OLD[bind]}")
  rndc_ delzone -clean "${z%.}" >/dev/null
  bind_add_zone "$z" "$new"

  # Knot: purge zone contents, journal, timers and zone file (blocking), write the file, reload.
  new=$(next_serial "${OLD[knot]}")
  knotc -c "$LAB_DIR/knot/knot.conf" -s "$LAB_DIR/knot/knot.sock" -b -f zone-purge "$z" +expire +zonefile +journal +timers >/dev/null
  child_zone_text "$z" "${MNAME[knot]}" "$new" >"$LAB_DIR/knot/zones/${z}zone"
  knotc -c "$LAB_DIR/knot/knot.conf" -s "$LAB_DIR/knot/knot.sock" -b zone-reload "$z" >/dev/null

  # PowerDNS: delete and re-create through the API (metadata included).
  new=$(next_serial "${OLD[pdns]}")
  pdns_api DELETE "/zones/$z" >/dev/null
  pdns_create_zone "$z" "$new"

  # NSD: rewrite the zone file and reload that zone.
  new=$(next_serial "${OLD[nsd]}")
  child_zone_text "$z" "${MNAME[nsd]}" "$new" >"$LAB_DIR/nsd/zones/${z}zone.tmp"
  mv "$LAB_DIR/nsd/zones/${z}zone.tmp" "$LAB_DIR/nsd/zones/${z}zone"
  nsd-control -c "$LAB_DIR/nsd/nsd.conf" reload "$z" >/dev/null

  # Wait until each server serves a new serial (PowerDNS may bump it once more: SOA-EDIT-API).
  deadline=$((SECONDS + 10))
  while :; do
    pending=
    for s in $CHILD_SERVERS; do
      new=$(soa_serial "${ADDR[$s]}" "$z")
      if [[ -z $new || $new == "${OLD[$s]}" ]]; then pending+=" $s"; fi
    done
    [[ -z $pending ]] && break
    ((SECONDS < deadline)) || die "reset: $z not reloaded on:$pending"
    sleep 0.1
  done
  for s in $CHILD_SERVERS; do
    want=$(soa_serial "${ADDR[$s]}" "$z")
    log "reset $z on $s: serial ${OLD[$s]} -> $want"
  done
}

cmd_env() { check_lab_dir; load_env; cat "$ENVFILE"; }

# One lab command at a time per LAB_DIR (parallel test packages may all call start/reset).
take_lock() {
  check_lab_dir
  mkdir -p "$LAB_DIR"
  exec 9>"$LAB_DIR/.lock"
  flock -w 120 9 || die "timed out waiting for $LAB_DIR/.lock"
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in start | stop | reset) take_lock ;; esac
  case $cmd in
  install) cmd_install "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  reset) cmd_reset "$@" ;;
  env) cmd_env "$@" ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
  esac
}

main "$@"
