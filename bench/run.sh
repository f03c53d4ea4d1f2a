#!/usr/bin/env bash
# `make bench`: mongoose (bench/bench_server.c) beside nginx and civetweb,
# measured in the same run with wrk, mongoose's DNS server
# (examples/captive_dns_server) beside dnsmasq with dnsperf (bench/dns.sh),
# mongoose's MQTT broker (examples/mqtt_broker) beside mosquitto with
# bench/mqtt_load (bench/mqtt.sh), and bench_server over TLS beside nginx
# with wrk, plus the heap per idle TLS connection (bench/tls.sh).
# See bench/README.md for what the numbers mean and their caveats. Progress
# goes to stderr, the tables to stdout.
#
# mongoose runs as one bench_server process per iface (-i select|poll|epoll),
# named mg-select, mg-poll, mg-epoll in the logs.
#
# Environment:
#   BENCH_ONLY      http, dns, mqtt or tls: only that part (default: all;
#                   dns takes about 2 x ROUNDS x BENCH_DNS_DURATION seconds,
#                   mqtt about 8 x ROUNDS x BENCH_MQTT_DURATION + 30, tls
#                   about 6 x ROUNDS x BENCH_TLS_DURATION + 30)
#   BENCH_TLS_DURATION  seconds per wrk run over TLS (BENCH_DURATION)
#   BENCH_DURATION  seconds per wrk run (default 5)
#   BENCH_DNS_DURATION  seconds per dnsperf run (BENCH_DURATION)
#   BENCH_DNS_OUTSTANDING  dnsperf -q, queries in flight (100)
#   BENCH_MQTT_DURATION  seconds per mqtt_load run (BENCH_DURATION)
#   BENCH_MQTT_WINDOW  mqtt_load -w, messages in flight (1000)
#   BENCH_MQTT_RSS_COUNT  messages before the MQTT memory figure (1000000)
#   BENCH_ROUNDS    runs per server and scenario; the median is kept (3)
#   BENCH_WARMUP    seconds of unmeasured load before each scenario (1)
#   BENCH_STRACE_DURATION  seconds of each run under strace (3)
#   BENCH_SERVERS   which servers, in order ("mongoose nginx civetweb");
#                   "mongoose" is every iface of BENCH_MG_IFACES, or name
#                   them: mg-select, mg-poll, mg-epoll
#   BENCH_MG_IFACES mongoose ifaces for the hello scenarios ("select poll epoll")
#   BENCH_MG_IFACE  the iface of the other scenarios (epoll)
#   BENCH_ALL_IFACES  1: every scenario on every iface of BENCH_MG_IFACES
#   BENCH_IDLE_HELD idle connections held during "hello c=50 + idle" (900)
#   BENCH_IDLE_N    idle connections of the scale test (10000), 0 to skip it
#   BENCH_IDLE_IFACES  mongoose ifaces of the scale test ("epoll poll")
#   BENCH_LAT_COUNT requests of the fresh-connection latency probe (200)
#   BENCH_CIVETWEB_THREADS  civetweb's num_threads (512)
#   BENCH_NICE      nice level for the servers and wrk, e.g. -10 as root on a
#                   busy machine (default: unchanged)
#   BENCH_MG_CFLAGS extra flags for bench_server, e.g.
#                   -DMG_DEFAULT_IFACE=mg_epoll_iface_vtable
#   CC              compiler for bench_server (cc)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DUR=${BENCH_DURATION:-5}
case ${BENCH_ONLY:-} in
  "" | all) DO_HTTP=1 DO_DNS=1 DO_MQTT=1 DO_TLS=1 ;;
  http) DO_HTTP=1 DO_DNS=0 DO_MQTT=0 DO_TLS=0 ;;
  dns) DO_HTTP=0 DO_DNS=1 DO_MQTT=0 DO_TLS=0 ;;
  mqtt) DO_HTTP=0 DO_DNS=0 DO_MQTT=1 DO_TLS=0 ;;
  tls) DO_HTTP=0 DO_DNS=0 DO_MQTT=0 DO_TLS=1 ;;
  *) echo "bench: BENCH_ONLY is http, dns, mqtt or tls, not '$BENCH_ONLY'" >&2; exit 2 ;;
esac
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-1}
STRACE_DUR=${BENCH_STRACE_DURATION:-3}
SERVERS=${BENCH_SERVERS:-"mongoose nginx civetweb"}
MG_IFACES=${BENCH_MG_IFACES:-"select poll epoll"}
MG_MAIN=${BENCH_MG_IFACE:-epoll}
ALL_IFACES=${BENCH_ALL_IFACES:-0}
IDLE_HELD=${BENCH_IDLE_HELD:-900}
IDLE_N=${BENCH_IDLE_N:-10000}
IDLE_IFACES=${BENCH_IDLE_IFACES:-"epoll poll"}
LAT_COUNT=${BENCH_LAT_COUNT:-200}
for i in $MG_IFACES $MG_MAIN $IDLE_IFACES; do
  case $i in select | poll | epoll) ;; *) echo "bench: unknown iface '$i'" >&2; exit 2 ;; esac
done
# The server list: "mongoose" expands to one server per iface.
NAMES=()
for s in $SERVERS; do
  case $s in
    mongoose) for i in $MG_IFACES; do NAMES+=("mg-$i"); done ;;
    mg-select | mg-poll | mg-epoll | nginx | civetweb) NAMES+=("$s") ;;
    *) echo "bench: unknown server '$s'" >&2; exit 2 ;;
  esac
done
CW_THREADS=${BENCH_CIVETWEB_THREADS:-512}
CC=${CC:-cc}
NICE=()
if [ -n "${BENCH_NICE:-}" ]; then NICE=(nice -n "$BENCH_NICE"); fi
SERVER_CPU=0
WRK_CPU=1

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 1; }

# ---- 1. Dependencies ---------------------------------------------------------

need_pkgs=()
if [ "$DO_HTTP" = 1 ]; then
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx)
  command -v civetweb >/dev/null 2>&1 || need_pkgs+=(civetweb)
  command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
  command -v strace >/dev/null 2>&1 || need_pkgs+=(strace)
fi
if [ "$DO_DNS" = 1 ]; then
  command -v dnsperf >/dev/null 2>&1 || need_pkgs+=(dnsperf)
  # dnsmasq-base: the binary without the service (which would take port 53).
  command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need_pkgs+=(dnsmasq-base)
  command -v dig >/dev/null 2>&1 || need_pkgs+=(dig)
fi
if [ "$DO_MQTT" = 1 ]; then
  command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_pkgs+=(mosquitto)
fi
if [ "$DO_TLS" = 1 ]; then
  if [ "$DO_HTTP" = 0 ]; then  # else listed above
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx)
    command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
  fi
  command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
  [ -e /usr/include/openssl/ssl.h ] || need_pkgs+=(libssl-dev)
fi
command -v taskset >/dev/null 2>&1 || need_pkgs+=(util-linux)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    # nginx-light is the smallest flavour; plain nginx where it is absent.
    pk=$(printf '%s ' "${need_pkgs[@]}" | sed -e 's/\bnginx\b/nginx-light/' -e 's/\bdig\b/bind9-dnsutils/')
    log "bench: missing packages. Run:"
    log "  sudo apt-get update && sudo apt-get install -y ${pk% }"
    exit 1
  fi
  log "bench: installing ${need_pkgs[*]}"
  apt-get update >&2 || die "apt-get update failed"
  pkgs=()
  for p in "${need_pkgs[@]}"; do
    if [ "$p" = nginx ]; then
      # nginx-light where the release has it, else nginx.
      if apt-cache policy nginx-light 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        pkgs+=(nginx-light)
      else
        pkgs+=(nginx)
      fi
    elif [ "$p" = dig ]; then
      # bind9-dnsutils since Debian 11 / Ubuntu 20.10, dnsutils before.
      if apt-cache policy bind9-dnsutils 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        pkgs+=(bind9-dnsutils)
      else
        pkgs+=(dnsutils)
      fi
    else
      pkgs+=("$p")
    fi
  done
  # The distro's nginx (and mosquitto) service must not start: without a policy-rc.d,
  # install with a temporary one that refuses every service start.
  tmp_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    tmp_policy=1
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" >&2 || rc=$?
  [ -n "$tmp_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get install ${pkgs[*]} failed"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v dnsmasq >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
[ "$(nproc)" -ge 2 ] || log "bench: warning: $(nproc) CPU(s); server and wrk share a core"

# Descriptors for the idle connection scenarios: the servers and the helper
# (bench_client, which also raises its own limit) inherit this limit.
NOFILE_NEED=$((IDLE_N + IDLE_HELD + 2048))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt $NOFILE_NEED ]; then
  if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $NOFILE_NEED ]; then
    ulimit -Hn $NOFILE_NEED 2>/dev/null || true  # root only
  fi
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ] && [ "$hard" -lt $NOFILE_NEED ]; then
    ulimit -Sn "$hard"
    n=$((hard - IDLE_HELD - 2048))
    [ $n -ge 0 ] || n=0
    log "bench: RLIMIT_NOFILE hard limit $hard: idle scale test with $n connections instead of $IDLE_N"
    IDLE_N_NOTE="capped from $IDLE_N by RLIMIT_NOFILE ($hard)"
    IDLE_N=$n
  else
    ulimit -Sn $NOFILE_NEED
  fi
fi
NOFILE=$(ulimit -Sn)
[ "$NOFILE" != unlimited ] || NOFILE=1048576

# ---- Scratch directory, processes, cleanup ---------------------------------

TMP=$(mktemp -d /tmp/mgbench.XXXXXX)
chmod 755 "$TMP"
PIDS=()          # every process we started and still run, stopped by PID on exit
declare -A SPID  # server name -> PID of its main process
declare -A DEAD  # server name -> why it is out of the run

# A process we waited for leaves PIDS (its PID may be reused later).
forget_pid() {
  local p keep=()
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# Stops one of our processes by its PID: TERM, up to 2 s, then KILL.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

cleanup() {
  local p
  [ ${#PIDS[@]} -gt 0 ] || { rm -rf "$TMP"; return; }
  for p in "${PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free TCP ports on 127.0.0.1, checked by binding them.
port_free() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
PY
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
USED_PORTS=" "
pick_port() {
  local p tries=0
  while :; do
    p=$((20000 + RANDOM % 12000))  # below the ephemeral range
    tries=$((tries + 1))
    [ $tries -lt 200 ] || die "no free port found"
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    port_free "$p" && break
  done
  USED_PORTS="$USED_PORTS$p "
  echo "$p"
}

# ---- CPU time, medians (HTTP and DNS) ---------------------------------------

# PIDs whose CPU time counts for a server: nginx's master and workers,
# the process (all its threads) otherwise.
server_pids() {
  local pid=${SPID[$1]}
  echo "$pid"
  if [ "${1#idle-}" = nginx ]; then
    cat /proc/"$pid"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$' || true
  fi
}
# utime+stime in clock ticks, summed over the server's processes.
cpu_ticks() {
  local t=0 p v
  for p in $(server_pids "$1"); do
    v=$(sed 's/^.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}') || v=0
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
HZ=$(getconf CLK_TCK)
# "busy total" ticks of one CPU, from /proc/stat.
cpu_stat() {
  awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
declare -A OTHER0 BUSY1 WRKT TOT  # per server: CPU 0 ticks not the server's; CPU 1 busy; elapsed
# CPU time (ticks) of this shell's waited-for children so far: wrk's, mostly.
# (`times` runs in this shell, not in a command substitution's subshell.)
child_ticks() {
  times >"$TMP/times"
  CHILD_TICKS=$(awk -v hz="$HZ" 'NR == 2 { t = 0
    for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%d", t * hz }' "$TMP/times")
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "";
  else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Spread of a list of numbers: "min..max" and whether they disagree by
# more than 20% of their median ("noisy" or "ok").
spread() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a ok"; exit }
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%.0f..%.0f %s\n", v[1], v[NR], (m > 0 && (v[NR] - v[1]) > 0.2 * m) ? "noisy" : "ok" }'; }
# CPU pressure stall: microseconds some task waited for a CPU, system-wide
# (/proc/pressure/cpu "some total"); empty without PSI.
psi_cpu() { awk '$1 == "some" { sub("total=", "", $5); print $5 }' /proc/pressure/cpu 2>/dev/null || true; }
min_of() { if [ -z "${1:-}" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
fmt_int() { [ -n "${1:-}" ] && printf '%.0f' "$1" || printf 'n/a'; }
ratio() {  # ratio A B
  if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
  else
    printf 'n/a'
  fi
}

BUILD_DIR=$ROOT/build/bench
# The DNS row: examples/captive_dns_server beside dnsmasq, with dnsperf.
. "$ROOT/bench/dns.sh"
# The MQTT rows: examples/mqtt_broker beside mosquitto, with mqtt_load.
. "$ROOT/bench/mqtt.sh"
# The TLS rows: bench_server over TLS beside nginx, and tls_mem.
. "$ROOT/bench/tls.sh"
if [ "$DO_HTTP" = 0 ]; then  # BENCH_ONLY=dns, mqtt or tls: that part alone
  [ "$DO_DNS" = 0 ] || dns_bench
  [ "$DO_MQTT" = 0 ] || mqtt_bench
  [ "$DO_TLS" = 0 ] || tls_bench
  echo
  echo "## make bench, ${BENCH_ONLY^^} only (BENCH_ONLY=$BENCH_ONLY): $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
  [ "$DO_DNS" = 0 ] || dns_table
  [ "$DO_MQTT" = 0 ] || mqtt_table
  [ "$DO_TLS" = 0 ] || tls_table
  exit 0
fi

# ---- 2. Document root, builds, servers -------------------------------------

DOC=$TMP/www
mkdir -p "$DOC"
printf 'Hello, world!' >"$DOC/hello"  # civetweb serves /hello as this file
head -c 1024 /dev/urandom >"$DOC/1k.bin"
head -c 1048576 /dev/urandom >"$DOC/1m.bin"
chmod -R a+rX "$DOC"

mkdir -p "$BUILD_DIR"
MG_BUILD_ERR=
if printf '%s\n' "${NAMES[@]}" | grep -q '^mg-'; then
  log "bench: building bench_server (-O2 -DNDEBUG)"
  # shellcheck disable=SC2086
  if ! $CC -O2 -DNDEBUG -DMG_ENABLE_LOG=1 ${BENCH_MG_CFLAGS:-} -I"$ROOT" "$ROOT/bench/bench_server.c" \
      "$ROOT/mongoose.c" -o "$BUILD_DIR/bench_server" -lpthread 2>"$TMP/build.log"; then
    MG_BUILD_ERR=$(grep -m3 -E 'error|undefined' "$TMP/build.log" | sed 's/^.*: //' | tr '\n' ';')
    for s in "${NAMES[@]}"; do
      case $s in mg-*) DEAD[$s]="build failed: $MG_BUILD_ERR" ;; esac
    done
    log "bench: mongoose does not build; it is left out:"
    sed -n 1,20p "$TMP/build.log" >&2
  fi
fi
CLIENT=$BUILD_DIR/bench_client
CLIENT_ERR=
log "bench: building bench_client (idle connections, latency probe)"
if ! $CC -O2 -o "$CLIENT" "$ROOT/bench/bench_client.c" 2>"$TMP/build-client.log"; then
  CLIENT_ERR="bench_client does not build: $(grep -m1 error "$TMP/build-client.log" || true)"
  log "bench: $CLIENT_ERR; the idle connection scenarios are skipped"
fi

declare -A PORT
# start_server NAME: sets SPID[NAME], PORT[NAME]. NAME is mg-IFACE, nginx or
# civetweb; with the prefix "idle-" (idle-mg-epoll, idle-nginx), a fresh
# instance for the idle connection scale test (nginx: worker_connections
# IDLE_N + 1024).
start_server() {
  local name=$1 kind=${1#idle-} port pid wc=4096
  port=$(pick_port)
  PORT[$name]=$port
  case $kind in
    mg-*)
      "${NICE[@]}" taskset -c $SERVER_CPU "$BUILD_DIR/bench_server" -l "127.0.0.1:$port" -d "$DOC" \
        -i "${kind#mg-}" >"$TMP/$name.log" 2>&1 &
      pid=$! ;;
    nginx)
      [ "$name" = "$kind" ] || wc=$((IDLE_N + 1024))
      mkdir -p "$TMP/$name/nginx-tmp"
      chmod 755 "$TMP/$name"
      sed -e "s|@DIR@|$TMP/$name|g" -e "s|@PORT@|$port|g" -e "s|@DOCROOT@|$DOC|g" \
        -e "s|@WORKER_CONNECTIONS@|$wc|g" -e "s|@NOFILE@|$NOFILE|g" \
        "$ROOT/bench/nginx.conf.in" >"$TMP/$name/nginx.conf"
      "${NICE[@]}" taskset -c $SERVER_CPU "$NGINX" -p "$TMP/$name" -c "$TMP/$name/nginx.conf" \
        -g 'daemon off;' >"$TMP/$name.log" 2>&1 &
      pid=$! ;;
    civetweb)
      "${NICE[@]}" taskset -c $SERVER_CPU civetweb -listening_ports "127.0.0.1:$port" \
        -document_root "$DOC" -num_threads "$CW_THREADS" -enable_keep_alive yes \
        -keep_alive_timeout_ms 10000 -tcp_nodelay 1 -listen_backlog 1024 \
        -enable_directory_listing no -error_log_file "$TMP/civetweb-error.log" \
        >"$TMP/civetweb.log" 2>&1 &
      pid=$! ;;
  esac
  PIDS+=("$pid")
  SPID[$name]=$pid
}

# GET path over a raw socket (no curl needed); prints the whole response.
http_get() {  # http_get PORT PATH
  timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "$2" >&3
    cat <&3' _ "$1" "$2"
}

# Waits until the server answers, then checks what it serves.
check_server() {  # check_server NAME; returns 1 (and sets DEAD) on failure
  local name=$1 port=${PORT[$1]} i resp body
  for i in $(seq 1 50); do
    kill -0 "${SPID[$name]}" 2>/dev/null || { DEAD[$name]="exited at start"; return 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  resp=$(http_get "$port" /hello | tr -d '\r') || true
  body=${resp#*$'\n\n'}
  if [ "${resp%%$'\n'*}" != "HTTP/1.1 200 OK" ] || [ "$body" != "Hello, world!" ]; then
    DEAD[$name]="bad answer to GET /hello: $(printf '%s' "${resp:0:200}" | tr '\n' '|')"
    return 1
  fi
  for f in 1k.bin 1m.bin; do
    http_get "$port" "/$f" >"$TMP/got"
    # Strip the head (through the first blank line) and compare the body.
    hlen=$(LC_ALL=C sed -n '1,/^\r$/p' "$TMP/got" | wc -c)
    if ! head -n 1 "$TMP/got" | grep -q '^HTTP/1.1 200' ||
        ! tail -c +$((hlen + 1)) "$TMP/got" | cmp -s - "$DOC/$f"; then
      DEAD[$name]="bad answer to GET /$f: $(head -c 120 "$TMP/got" | tr '\r\n' '||')"
      return 1
    fi
  done
  return 0
}

ACTIVE=()
for s in "${NAMES[@]}"; do
  [ -z "${DEAD[$s]:-}" ] || continue
  start_server "$s"
done
for s in "${NAMES[@]}"; do
  [ -z "${DEAD[$s]:-}" ] || continue
  if check_server "$s"; then
    ACTIVE+=("$s")
    log "bench: $s pid ${SPID[$s]} on 127.0.0.1:${PORT[$s]}"
  else
    log "bench: $s left out: ${DEAD[$s]}"
  fi
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no server works"

# ---- 3. wrk runs -------------------------------------------------------------

# Scenario: name|path|connections|extra|ifaces. extra: close (Connection:
# close) or idle (IDLE_HELD idle connections held during each run); ifaces:
# all (every mongoose iface) or main (BENCH_MG_IFACE only).
SCENARIOS=(
  "hello c=1|/hello|1||all"
  "hello c=50|/hello|50||all"
  "hello c=500|/hello|500||all"
  "1 KiB file c=50|/1k.bin|50||main"
  "1 MiB file c=10|/1m.bin|10||main"
  "hello c=50, Connection: close|/hello|50|close|main"
)
C50_SI=1
IDLE_SI=-1
if [ -z "$CLIENT_ERR" ] && [ "$IDLE_HELD" -gt 0 ]; then
  IDLE_SI=${#SCENARIOS[@]}
  SCENARIOS+=("hello c=50 + $IDLE_HELD idle|/hello|50|idle|all")
fi

# Does server $1 take part in scenarios of kind $2 (all|main)?
runs_in() {
  case $1 in
    mg-*) [ "$2" = all ] || [ "$ALL_IFACES" = 1 ] || [ "${1#mg-}" = "$MG_MAIN" ] ;;
    *) return 0 ;;
  esac
}

# Descriptors open in the server's processes.
fd_count() {
  local n=0 p c
  for p in $(server_pids "$1"); do
    c=$(ls /proc/"$p"/fd 2>/dev/null | wc -l) || c=0
    n=$((n + c))
  done
  echo "$n"
}

# idle_open SERVER N: starts bench_client holding N idle connections to the
# server. Sets IDLE_PID, IDLE_OUT, IDLE_CONN (connections the helper made)
# and IDLE_ACC (how many the server accepted: the rise of its descriptor
# count, waited for until it reaches IDLE_CONN or stays put for 1 s).
idle_open() {
  local s=$1 n=$2 base last=-1 stable=0 c
  base=$(fd_count "$s")
  IDLE_OUT=$TMP/idle-$s.out
  : >"$IDLE_OUT"
  "${NICE[@]}" taskset -c $WRK_CPU "$CLIENT" idle "${PORT[$s]}" "$n" >"$IDLE_OUT" 2>"$IDLE_OUT.err" &
  IDLE_PID=$!
  PIDS+=("$IDLE_PID")
  for _ in $(seq 1 900); do  # 90 s
    grep -q '^connected' "$IDLE_OUT" && break
    kill -0 "$IDLE_PID" 2>/dev/null || break
    sleep 0.1
  done
  IDLE_CONN=$(awk '/^connected/ { print $2 }' "$IDLE_OUT")
  IDLE_CONN=${IDLE_CONN:-0}
  IDLE_ACC=0
  for _ in $(seq 1 200); do  # 10 s
    c=$(fd_count "$s")
    IDLE_ACC=$((c - base))
    [ "$IDLE_ACC" -lt "$IDLE_CONN" ] || break
    if [ "$IDLE_ACC" = "$last" ]; then
      stable=$((stable + 1))
      [ $stable -lt 20 ] || break
    else
      stable=0
    fi
    last=$IDLE_ACC
    sleep 0.05
  done
  [ "$IDLE_ACC" -ge 0 ] || IDLE_ACC=0
  if [ -s "$IDLE_OUT.err" ]; then log "    bench_client: $(tr '\n' ' ' <"$IDLE_OUT.err")"; fi
}
# idle_close: asks the helper how many of its connections the server has
# not closed (IDLE_ALIVE), then stops it.
idle_close() {
  local before now
  before=$(grep -c '^alive' "$IDLE_OUT" || true)
  kill -USR1 "$IDLE_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do
    now=$(grep -c '^alive' "$IDLE_OUT" || true)
    [ "$now" -le "$before" ] || break
    sleep 0.1
  done
  IDLE_ALIVE=$(awk '/^alive/ { v = $2 } END { print v }' "$IDLE_OUT")
  stop_pid "$IDLE_PID"
}

# run_wrk SERVER PATH CONNS EXTRA SECONDS OUTFILE
run_wrk() {
  local args=(-t1 -c "$3" -d "${5}s" --latency)
  [ "$4" = close ] && args+=(-H 'Connection: close')
  timeout $(($5 + 30)) "${NICE[@]}" taskset -c $WRK_CPU wrk "${args[@]}" \
    "http://127.0.0.1:${PORT[$1]}$2" >"$6" 2>&1 || true
}
# Fields of a wrk report: requests rps errors non2xx "details"
parse_wrk() {
  awk '
    / requests in / { req = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(",", ""); se = $4 + $6 + $8 + $10;
      sd = "connect " $4 " read " $6 " write " $8 " timeout " $10 }
    END { printf "%d %.2f %d %d %s\n", req, rps, se, non2xx, (sd == "" ? "-" : sd) }
  ' "$1"
}

declare -A RPS CPURATE CPUSHARE ERRS ERRDETAIL RAN IDLE_C IDLE_A IDLE_L
declare -A SPREAD NOISE STALL  # per scenario and server: min..max req/s, ok|noisy, max CPU stall %
NSC=${#SCENARIOS[@]}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
log "bench: ${#ACTIVE[@]} servers (${ACTIVE[*]}), $NSC scenarios, $ROUNDS rounds of ${DUR}s (+${WARMUP}s warm-up)"
for ((si = 0; si < NSC; si++)); do
  IFS='|' read -r sname spath sconn sextra smode <<<"${SCENARIOS[$si]}"
  RUN=()
  for s in "${ACTIVE[@]}"; do
    if runs_in "$s" "$smode"; then RUN+=("$s"); RAN[$si,$s]=1; fi
  done
  log "bench: [$((si + 1))/$NSC] $sname: ${RUN[*]}"
  declare -A vals=() treq=() tcpu=() terr=() tdet=() tstall=()
  for s in "${RUN[@]}"; do
    [ -z "${DEAD[$s]:-}" ] || continue
    if [ "$WARMUP" -gt 0 ]; then
      [ "$sextra" != idle ] || idle_open "$s" "$IDLE_HELD"
      run_wrk "$s" "$spath" "$sconn" "$sextra" "$WARMUP" "$TMP/warm.out"
      [ "$sextra" != idle ] || idle_close
    fi
  done
  for ((r = 1; r <= ROUNDS; r++)); do
    for s in "${RUN[@]}"; do
      [ -z "${DEAD[$s]:-}" ] || continue
      out=$TMP/wrk-$si-$s-$r.out
      if [ "$sextra" = idle ]; then
        idle_open "$s" "$IDLE_HELD"
        IDLE_C[$s]=$(min_of "${IDLE_C[$s]:-}" "$IDLE_CONN")
        IDLE_A[$s]=$(min_of "${IDLE_A[$s]:-}" "$IDLE_ACC")
      fi
      child_ticks; k0=$CHILD_TICKS
      read -r b0 t0 <<<"$(cpu_stat $SERVER_CPU)"; read -r w0 _ <<<"$(cpu_stat $WRK_CPU)"
      c0=$(cpu_ticks "$s"); p0=$(psi_cpu)
      run_wrk "$s" "$spath" "$sconn" "$sextra" "$DUR" "$out"
      c1=$(cpu_ticks "$s"); p1=$(psi_cpu)
      stall=n/a
      if [ -n "$p0" ] && [ -n "$p1" ]; then
        stall=$(awk -v a="$p0" -v b="$p1" -v d="$DUR" 'BEGIN { printf "%.1f", (b - a) / (d * 1e4) }')
        tstall[$s]=$(awk -v a="${tstall[$s]:-0}" -v b="$stall" 'BEGIN { print (b > a) ? b : a }')
      fi
      read -r b1 t1 <<<"$(cpu_stat $SERVER_CPU)"; read -r w1 _ <<<"$(cpu_stat $WRK_CPU)"
      child_ticks; k1=$CHILD_TICKS
      idle_note=
      if [ "$sextra" = idle ]; then
        idle_close
        IDLE_L[$s]=$(min_of "${IDLE_L[$s]:-}" "${IDLE_ALIVE:-0}")
        idle_note=", idle: $IDLE_CONN connected, $IDLE_ACC accepted, ${IDLE_ALIVE:-?} still open after"
      fi
      WRKT[$s]=$((${WRKT[$s]:-0} + k1 - k0))
      OTHER0[$s]=$((${OTHER0[$s]:-0} + (b1 - b0) - (c1 - c0)))
      BUSY1[$s]=$((${BUSY1[$s]:-0} + w1 - w0))
      TOT[$s]=$((${TOT[$s]:-0} + t1 - t0))
      read -r req rps se n2 det <<<"$(parse_wrk "$out")"
      log "  $s round $r: $rps req/s, $req requests, cpu $(((c1 - c0) * 1000 / HZ)) ms, CPU stall $stall%, errors: socket $se ($det), non-2xx $n2$idle_note"
      vals[$s]="${vals[$s]:-} $rps"
      treq[$s]=$((${treq[$s]:-0} + req))
      tcpu[$s]=$((${tcpu[$s]:-0} + c1 - c0))
      terr[$s]=$((${terr[$s]:-0} + se + n2))
      if [ $((se + n2)) -gt 0 ]; then
        tdet[$s]="${tdet[$s]:-}round $r: socket errors $det, non-2xx $n2; "
      fi
      if ! kill -0 "${SPID[$s]}" 2>/dev/null; then
        DEAD[$s]="died during \"$sname\" round $r (see wrk output below)"
        log "bench: $s DIED during $sname round $r"; sed 's/^/    /' "$out" >&2
        tail -n 20 "$TMP/$s.log" 2>/dev/null | sed 's/^/    log: /' >&2 || true
      elif [ "$req" = 0 ]; then
        log "bench: $s completed no request in $sname round $r (hang?); wrk said:"
        sed 's/^/    /' "$out" >&2
      fi
    done
  done
  for s in "${RUN[@]}"; do
    [ -n "${vals[$s]:-}" ] || continue
    RPS[$si,$s]=$(printf '%s\n' ${vals[$s]} | median)
    read -r SPREAD[$si,$s] NOISE[$si,$s] <<<"$(printf '%s\n' ${vals[$s]} | spread)"
    STALL[$si,$s]=${tstall[$s]:-n/a}
    if [ "${tcpu[$s]}" -gt 0 ]; then
      CPURATE[$si,$s]=$(awk -v r="${treq[$s]}" -v c="${tcpu[$s]}" -v hz="$HZ" 'BEGIN { printf "%.0f", r / (c / hz) }')
    fi
    CPUSHARE[$si,$s]=$(awk -v c="${tcpu[$s]}" -v hz="$HZ" -v t="$((ROUNDS * DUR))" 'BEGIN { printf "%.0f", 100 * c / hz / t }')
    ERRS[$si,$s]=${terr[$s]}
    if [ -n "${tdet[$s]:-}" ]; then ERRDETAIL[$si,$s]=${tdet[$s]}; fi
  done
  unset vals treq tcpu terr tdet tstall
done

# Syscalls per request, hello c=1 and c=50, strace -c attached for a
# separate run.
declare -A SYSC SYSC_TOP RSS
STRACE_CONNS="1 50"
for c in $STRACE_CONNS; do
  for s in "${ACTIVE[@]}"; do
    [ -z "${DEAD[$s]:-}" ] || continue
    log "bench: strace -c on $s, hello c=$c for ${STRACE_DUR}s"
    pargs=()
    for p in $(server_pids "$s"); do pargs+=(-p "$p"); done
    sout=$TMP/strace-$s-$c
    strace -c -f -o "$sout.txt" "${pargs[@]}" 2>"$sout.err" &
    spid=$!
    PIDS+=("$spid")
    for _ in $(seq 1 50); do
      grep -q attached "$sout.err" 2>/dev/null && break
      sleep 0.1
    done
    sleep 0.3
    run_wrk "$s" /hello "$c" "" "$STRACE_DUR" "$sout.wrk"
    kill -INT "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    forget_pid "$spid"
    read -r req _ _ _ _ <<<"$(parse_wrk "$sout.wrk")"
    calls=$(awk '$NF == "total" { print $4 }' "$sout.txt" 2>/dev/null || true)
    if [ -n "$calls" ] && [ "${req:-0}" -gt 0 ]; then
      SYSC[$c,$s]=$(awk -v c="$calls" -v r="$req" 'BEGIN { printf "%.2f", c / r }')
      # The busiest calls, for the notes.
      top=$(awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $4, $NF }' "$sout.txt" |
        sort -rn | head -4 | awk -v r="$req" '{ printf "%s %.2f, ", $2, $1 / r }')
      SYSC_TOP[$c,$s]=${top%, }
      log "  $s: $calls syscalls for $req requests"
    else
      log "  $s: strace gave no count (requests: ${req:-0})"
      sed 's/^/    /' "$sout.err" | head -5 >&2
    fi
  done
done
for s in "${ACTIVE[@]}"; do
  [ -z "${DEAD[$s]:-}" ] || continue
  kb=0
  for p in $(server_pids "$s"); do
    v=$(awk '/^VmHWM:/ { print $2 }' /proc/"$p"/status 2>/dev/null) || v=0
    kb=$((kb + ${v:-0}))
  done
  RSS[$s]=$kb
done

# ---- Idle connection scale test ----------------------------------------------
# A fresh server per row (nothing else runs): the latency probe on an empty
# server, VmRSS, IDLE_N idle connections, VmRSS again, the probe again.
vm_rss() {  # VmRSS in KiB, summed over the server's processes
  local kb=0 p v
  for p in $(server_pids "$1"); do
    v=$(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null) || v=0
    kb=$((kb + ${v:-0}))
  done
  echo "$kb"
}
latency_probe() {  # latency_probe SERVER: "ok K median_us M p99_us P max_us X"
  "${NICE[@]}" taskset -c $WRK_CPU "$CLIENT" latency "${PORT[$1]}" "$LAT_COUNT" /hello 2>/dev/null || true
}
SCALE=()
declare -A SC_CONN SC_ACC SC_ALIVE SC_RSS0 SC_RSS1 SC_LAT0 SC_LAT1 SC_ERR
if [ -z "$CLIENT_ERR" ] && [ "$IDLE_N" -gt 0 ]; then
  for i in $IDLE_IFACES; do
    if printf '%s\n' "${NAMES[@]}" | grep -q '^mg-' && [ -z "$MG_BUILD_ERR" ]; then SCALE+=("idle-mg-$i"); fi
  done
  if printf '%s\n' "${NAMES[@]}" | grep -qx nginx; then SCALE+=(idle-nginx); fi
fi
for t in "${SCALE[@]}"; do
  log "bench: idle scale, ${t#idle-}: $IDLE_N idle connections"
  start_server "$t"
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$t]}") 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.2
  SC_LAT0[$t]=$(latency_probe "$t")
  case ${SC_LAT0[$t]} in
    "ok $LAT_COUNT "*) ;;
    *) SC_ERR[$t]="does not answer GET /hello: ${SC_LAT0[$t]:-no output}"
       log "  ${SC_ERR[$t]}"; stop_pid "${SPID[$t]}"; continue ;;
  esac
  SC_RSS0[$t]=$(vm_rss "$t")
  idle_open "$t" "$IDLE_N"
  sleep 0.5
  SC_RSS1[$t]=$(vm_rss "$t")
  SC_LAT1[$t]=$(latency_probe "$t")
  idle_close
  SC_CONN[$t]=$IDLE_CONN SC_ACC[$t]=$IDLE_ACC SC_ALIVE[$t]=${IDLE_ALIVE:-0}
  log "  connected $IDLE_CONN, accepted $IDLE_ACC, still open ${IDLE_ALIVE:-?}; VmRSS ${SC_RSS0[$t]} -> ${SC_RSS1[$t]} KiB; latency 0 idle: ${SC_LAT0[$t]}; with idle: ${SC_LAT1[$t]}"
  stop_pid "${SPID[$t]}"
done

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
T_END=$(date +%s)

if [ "$DO_DNS" = 1 ]; then
  # The HTTP servers are done with: stopped, so that CPU 0 is the DNS
  # servers' alone.
  for s in "${NAMES[@]}"; do [ -z "${SPID[$s]:-}" ] || stop_pid "${SPID[$s]}"; done
  dns_bench
fi
if [ "$DO_MQTT" = 1 ]; then
  for s in "${NAMES[@]}"; do [ -z "${SPID[$s]:-}" ] || stop_pid "${SPID[$s]}"; done
  mqtt_bench
fi
if [ "$DO_TLS" = 1 ]; then
  for s in "${NAMES[@]}"; do [ -z "${SPID[$s]:-}" ] || stop_pid "${SPID[$s]}"; done
  tls_bench
fi

# ---- 4. Tables -----------------------------------------------------------------

MGS=()  # the mongoose servers, in order
for s in "${NAMES[@]}"; do case $s in mg-*) MGS+=("$s") ;; esac; done
label() { case $1 in mg-*) echo "mongoose ${1#mg-}" ;; *) echo "$1" ;; esac; }

echo
echo "## make bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
echo
echo "- wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') -t1 on CPU $WRK_CPU; each server on CPU $SERVER_CPU. $ROUNDS rounds of ${DUR}s per server and"
echo "  scenario, servers interleaved; req/s is the median round, req/CPU-s is all requests / all server CPU time."
echo "- mongoose: bench/bench_server.c, $CC -O2 -DNDEBUG ${BENCH_MG_CFLAGS:-}, one process per iface ([select], [poll], [epoll]: \`-i\`, mg_mgr_init_opt main_iface);"
echo "  nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||') (1 worker, sendfile on); civetweb $(civetweb -h 2>&1 | awk '/CivetWeb v/ { sub(",", "", $2); print $2; exit }') (num_threads $CW_THREADS, tcp_nodelay 1; /hello is a static file)."
echo "- load average (1/5/15 min) at start: $LOAD0; at end: $LOAD1; nice level of servers and wrk: ${BENCH_NICE:-unchanged}; $(( (T_END - T_START) / 60 )) min $(( (T_END - T_START) % 60 )) s of measuring."
echo "  The bench alone makes about 2; more means other processes competed (see the CPU line under the tables)."
echo
echo "- req/s cells: median (min..max over the rounds); \"!\" marks a cell whose rounds disagree by more than 20% of"
echo "  their median, and a ratio with such a cell on either side: read those with their noise. CPU stall is the"
echo "  share of each run's time some task waited for a CPU (/proc/pressure/cpu \"some\", system-wide; max over rounds)."
echo
rps_cell() {  # rps_cell SI SERVER: "median (min..max)" and the noise mark
  local v=${RPS[$1,$2]:-}
  if [ -z "$v" ]; then printf 'n/a'; return; fi
  printf '%s (%s)' "$(fmt_int "$v")" "${SPREAD[$1,$2]:-n/a}"
  [ "${NOISE[$1,$2]:-ok}" != noisy ] || printf ' !'
}
noisy_mark() {  # noisy_mark SI A B: " !" when A or B is noisy
  if [ "${NOISE[$1,$2]:-ok}" = noisy ] || [ "${NOISE[$1,$3]:-ok}" = noisy ]; then printf ' !'; fi
}
echo "| scenario [mongoose iface] | mongoose req/s | nginx req/s | civetweb req/s | mg/nginx | mg/civetweb | mongoose req/CPU-s | nginx req/CPU-s | civetweb req/CPU-s | mg/nginx per CPU-s | server CPU % mg / nginx / civetweb | CPU stall % mg / nginx / civetweb | wrk errors mg / nginx / civetweb |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
for ((si = 0; si < NSC; si++)); do
  IFS='|' read -r sname _ <<<"${SCENARIOS[$si]}"
  rows=()
  for m in "${MGS[@]}"; do [ -z "${RAN[$si,$m]:-}" ] || rows+=("$m"); done
  [ ${#rows[@]} -gt 0 ] || rows=(none)
  for m in "${rows[@]}"; do
    mv=${RPS[$si,$m]:-}; n=${RPS[$si,nginx]:-}; c=${RPS[$si,civetweb]:-}
    mc=${CPURATE[$si,$m]:-}; nc=${CPURATE[$si,nginx]:-}; cc=${CPURATE[$si,civetweb]:-}
    errs= shares= stalls=
    for s in "$m" nginx civetweb; do
      e=${ERRS[$si,$s]:-}
      errs="$errs${errs:+ / }${e:-n/a}"
      e=${CPUSHARE[$si,$s]:-}
      shares="$shares${shares:+ / }${e:-n/a}"
      e=${STALL[$si,$s]:-}
      stalls="$stalls${stalls:+ / }${e:-n/a}"
    done
    tag=
    [ "$m" = none ] || tag=" [${m#mg-}]"
    echo "| $sname$tag | $(rps_cell "$si" "$m") | $(rps_cell "$si" nginx) | $(rps_cell "$si" civetweb) | $(ratio "$mv" "$n")$(noisy_mark "$si" "$m" nginx) | $(ratio "$mv" "$c")$(noisy_mark "$si" "$m" civetweb) | $(fmt_int "$mc") | $(fmt_int "$nc") | $(fmt_int "$cc") | $(ratio "$mc" "$nc") | $shares | $stalls | $errs |"
  done
done

# Syscalls and peak RSS, a column per server.
hdr="| hello | " sep="|---|"
for s in "${NAMES[@]}"; do hdr="$hdr$(label "$s") | "; sep="$sep---:|"; done
echo
echo "${hdr% }"
echo "$sep"
for c in $STRACE_CONNS; do
  row="| syscalls / request, c=$c (strace -c -f, ${STRACE_DUR}s run) |"
  for s in "${NAMES[@]}"; do row="$row ${SYSC[$c,$s]:-n/a} |"; done
  echo "$row"
done
row="| peak RSS, KiB (VmHWM at the end, all processes; after the idle scenario) |"
for s in "${NAMES[@]}"; do row="$row ${RSS[$s]:-n/a} |"; done
echo "$row"

if [ "$IDLE_SI" -ge 0 ]; then
  echo
  echo "| hello c=50 with $IDLE_HELD idle connections held | req/s | req/s without idle (hello c=50) | with / without | / nginx (with idle) | req/CPU-s | idle conns connected / accepted / still open after the run (min over rounds) | wrk errors |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|"
  for s in "${NAMES[@]}"; do
    [ -n "${RAN[$IDLE_SI,$s]:-}" ] || continue
    v=${RPS[$IDLE_SI,$s]:-}
    echo "| $(label "$s") | $(fmt_int "$v") | $(fmt_int "${RPS[$C50_SI,$s]:-}") | $(ratio "$v" "${RPS[$C50_SI,$s]:-}") | $(ratio "$v" "${RPS[$IDLE_SI,nginx]:-}") | $(fmt_int "${CPURATE[$IDLE_SI,$s]:-}") | ${IDLE_C[$s]:-n/a} / ${IDLE_A[$s]:-n/a} / ${IDLE_L[$s]:-n/a} | ${ERRS[$IDLE_SI,$s]:-n/a} |"
  done
  echo
  echo "- Each round (and warm-up) opens the $IDLE_HELD idle connections (bench_client on CPU $WRK_CPU) before wrk starts and closes them after;"
  echo "  \"accepted\" is the rise of the server's descriptor count, \"still open\" what the helper finds open after wrk. select() watches"
  echo "  descriptors below FD_SETSIZE (1024): $IDLE_HELD idle + 50 wrk + the listener and stdio fit."
  for s in "${NAMES[@]}"; do
    [ -n "${RAN[$IDLE_SI,$s]:-}" ] && [ -n "${IDLE_A[$s]:-}" ] || continue
    if [ "${IDLE_C[$s]}" -lt "$IDLE_HELD" ] || [ "${IDLE_A[$s]}" -lt "${IDLE_C[$s]}" ]; then
      why=
      [ "$s" != civetweb ] || why=": a thread per connection (num_threads $CW_THREADS), all of them then wait on an idle connection, so wrk's connections are not served"
      echo "- $(label "$s") stopped accepting after ${IDLE_A[$s]} idle connections (the helper got ${IDLE_C[$s]} through, counting the listen queue)$why."
    fi
  done
fi

if [ ${#SCALE[@]} -gt 0 ]; then
  echo
  echo "| $IDLE_N idle connections${IDLE_N_NOTE:+ ($IDLE_N_NOTE)} | connected / accepted / still open | VmRSS before / after, KiB | KiB per idle connection | GET /hello on a new connection, 0 idle: median / p99 ms | same with the idle connections held: median / p99 ms |"
  echo "|---|---|---|---:|---|---|"
  for t in "${SCALE[@]}"; do
    if [ -n "${SC_ERR[$t]:-}" ]; then
      echo "| $(label "${t#idle-}") | ${SC_ERR[$t]} | | | | |"
      continue
    fi
    perconn=$(awk -v a="${SC_RSS0[$t]}" -v b="${SC_RSS1[$t]}" -v n="${SC_ACC[$t]}" 'BEGIN { if (n > 0) printf "%.2f", (b - a) / n; else printf "n/a" }')
    lat() { awk -v c="$LAT_COUNT" '{ if ($2 + 0 < c) f = " (" $2 "/" c " answered)"; printf "%.2f / %.2f%s", $4 / 1000, $6 / 1000, f }' <<<"$1"; }
    echo "| $(label "${t#idle-}") | ${SC_CONN[$t]} / ${SC_ACC[$t]} / ${SC_ALIVE[$t]} | ${SC_RSS0[$t]} / ${SC_RSS1[$t]} | $perconn | $(lat "${SC_LAT0[$t]}") | $(lat "${SC_LAT1[$t]:-ok 0 median_us 0 p99_us 0 max_us 0}") |"
  done
  echo
  echo "- targets: <= 0.3 KiB per idle connection (beyond empty buffers), < 2 ms for the fresh request. $LAT_COUNT sequential requests, each"
  echo "  connect + GET + whole response + close, from CPU $WRK_CPU. KiB per connection = VmRSS delta / connections accepted: user-space memory only"
  echo "  (the connection struct, protocol state, malloc overhead, the iface's per-descriptor arrays; for nginx its connection pool and"
  echo "  buffers); the kernel's socket memory is not in it. select is not in this table: it cannot watch descriptors >= FD_SETSIZE."
fi

echo
for c in $STRACE_CONNS; do
  line=
  for s in "${NAMES[@]}"; do
    if [ -n "${SYSC_TOP[$c,$s]:-}" ]; then line="$line${line:+; }$(label "$s"): ${SYSC_TOP[$c,$s]}"; fi
  done
  [ -z "$line" ] || echo "- busiest syscalls per request, hello c=$c: $line"
done
line=
for s in "${NAMES[@]}"; do
  if [ -n "${TOT[$s]:-}" ] && [ "${TOT[$s]}" -gt 0 ]; then
    line="$line${line:+; }$(label "$s") $(awk -v o="${OTHER0[$s]}" -v b="${BUSY1[$s]}" -v w="${WRKT[$s]}" -v t="${TOT[$s]}" \
      'BEGIN { o = o < 0 ? 0 : o; b -= w; b = b < 0 ? 0 : b
               printf "%.0f%% / %.0f%% (wrk %.0f%%)", 100 * o / t, 100 * b / t, 100 * w / t }')"
  fi
done
echo "- during each server's timed runs, share of CPU $SERVER_CPU busy with other than the server / of CPU $WRK_CPU busy with other than wrk: $line"
echo "- noise: on a quiet machine both shares are a few percent and the load average stays near 2. Above that, other processes"
echo "  took CPU time: the servers being interleaved, the ratios suffer less than req/s, and req/CPU-s least; differences"
echo "  below 10% (quiet) or 25% (busy) between rows are not significant. The latency p99 (200 requests) catches single preemptions."
$CC -Os -c "$ROOT/mongoose.c" -o "$TMP/mg_os.o" 2>/dev/null &&
  echo "- mongoose.c at -Os: .text $(size "$TMP/mg_os.o" | awk 'NR == 2 { print $1 }') bytes (\`$CC -Os -c mongoose.c\`, size)" ||
  echo "- mongoose.c does not compile at -Os"
for ((si = 0; si < NSC; si++)); do
  IFS='|' read -r sname _ <<<"${SCENARIOS[$si]}"
  for s in "${NAMES[@]}"; do
    if [ -n "${ERRDETAIL[$si,$s]:-}" ]; then
      echo "- wrk errors, $sname, $(label "$s"): ${ERRDETAIL[$si,$s]}"
    fi
  done
done
[ -z "$CLIENT_ERR" ] || echo "- **$CLIENT_ERR: no idle connection scenarios**"
for s in mg-select mg-poll mg-epoll nginx civetweb; do
  if printf '%s\n' "${NAMES[@]}" | grep -qx "$s"; then
    if [ -n "${DEAD[$s]:-}" ]; then echo "- **$(label "$s"): ${DEAD[$s]}**"; fi
  else
    echo "- $(label "$s"): not run (BENCH_SERVERS, BENCH_MG_IFACES)"
  fi
done
[ "$DO_DNS" = 0 ] || dns_table
[ "$DO_MQTT" = 0 ] || mqtt_table
[ "$DO_TLS" = 0 ] || tls_table
exit 0
