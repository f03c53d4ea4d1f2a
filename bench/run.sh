#!/usr/bin/env bash
# `make bench`: mongoose (bench/bench_server.c) beside nginx and civetweb,
# measured in the same run with wrk. See bench/README.md for what the
# numbers mean and their caveats. Progress goes to stderr, the tables to
# stdout.
#
# Environment:
#   BENCH_DURATION  seconds per wrk run (default 5)
#   BENCH_ROUNDS    runs per server and scenario; the median is kept (3)
#   BENCH_WARMUP    seconds of unmeasured load before each scenario (1)
#   BENCH_STRACE_DURATION  seconds of the run under strace (3)
#   BENCH_SERVERS   which servers, in order ("mongoose nginx civetweb")
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
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-1}
STRACE_DUR=${BENCH_STRACE_DURATION:-3}
SERVERS=${BENCH_SERVERS:-"mongoose nginx civetweb"}
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
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx)
command -v civetweb >/dev/null 2>&1 || need_pkgs+=(civetweb)
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v strace >/dev/null 2>&1 || need_pkgs+=(strace)
command -v taskset >/dev/null 2>&1 || need_pkgs+=(util-linux)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    # nginx-light is the smallest flavour; plain nginx where it is absent.
    pk=$(printf '%s ' "${need_pkgs[@]}" | sed 's/\bnginx\b/nginx-light/')
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
    else
      pkgs+=("$p")
    fi
  done
  # The distro's nginx service must not start: without a policy-rc.d,
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
[ "$(nproc)" -ge 2 ] || log "bench: warning: $(nproc) CPU(s); server and wrk share a core"

# ---- Scratch directory, processes, cleanup ---------------------------------

TMP=$(mktemp -d /tmp/mgbench.XXXXXX)
chmod 755 "$TMP"
PIDS=()          # every process we started, stopped by PID on exit
declare -A SPID  # server name -> PID of its main process
declare -A DEAD  # server name -> why it is out of the run

cleanup() {
  local p
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

# ---- 2. Document root, builds, servers -------------------------------------

DOC=$TMP/www
mkdir -p "$DOC"
printf 'Hello, world!' >"$DOC/hello"  # civetweb serves /hello as this file
head -c 1024 /dev/urandom >"$DOC/1k.bin"
head -c 1048576 /dev/urandom >"$DOC/1m.bin"
chmod -R a+rX "$DOC"

BUILD_DIR=$ROOT/build/bench
mkdir -p "$BUILD_DIR"
MG_BUILD_ERR=
if echo "$SERVERS" | grep -qw mongoose; then
  log "bench: building bench_server (-O2 -DNDEBUG)"
  # shellcheck disable=SC2086
  if ! $CC -O2 -DNDEBUG -DMG_ENABLE_LOG=1 ${BENCH_MG_CFLAGS:-} -I"$ROOT" "$ROOT/bench/bench_server.c" \
      "$ROOT/mongoose.c" -o "$BUILD_DIR/bench_server" -lpthread 2>"$TMP/build.log"; then
    MG_BUILD_ERR=$(grep -m3 -E 'error|undefined' "$TMP/build.log" | sed 's/^.*: //' | tr '\n' ';')
    DEAD[mongoose]="build failed: $MG_BUILD_ERR"
    log "bench: mongoose does not build; it is left out:"
    sed -n 1,20p "$TMP/build.log" >&2
  fi
fi

declare -A PORT
start_server() {  # start_server NAME: sets SPID[NAME], PORT[NAME]
  local name=$1 port pid
  port=$(pick_port)
  PORT[$name]=$port
  case $name in
    mongoose)
      "${NICE[@]}" taskset -c $SERVER_CPU "$BUILD_DIR/bench_server" -l "127.0.0.1:$port" -d "$DOC" \
        >"$TMP/mongoose.log" 2>&1 &
      pid=$! ;;
    nginx)
      mkdir -p "$TMP/nginx/nginx-tmp"
      chmod 755 "$TMP/nginx"
      sed -e "s|@DIR@|$TMP/nginx|g" -e "s|@PORT@|$port|g" -e "s|@DOCROOT@|$DOC|g" \
        "$ROOT/bench/nginx.conf.in" >"$TMP/nginx/nginx.conf"
      "${NICE[@]}" taskset -c $SERVER_CPU "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
        -g 'daemon off;' >"$TMP/nginx.log" 2>&1 &
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
for s in $SERVERS; do
  [ -z "${DEAD[$s]:-}" ] || continue
  start_server "$s"
done
for s in $SERVERS; do
  [ -z "${DEAD[$s]:-}" ] || continue
  if check_server "$s"; then
    ACTIVE+=("$s")
    log "bench: $s pid ${SPID[$s]} on 127.0.0.1:${PORT[$s]}"
  else
    log "bench: $s left out: ${DEAD[$s]}"
  fi
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no server works"

# PIDs whose CPU time counts for a server: nginx's master and workers,
# the process (all its threads) otherwise.
server_pids() {
  local pid=${SPID[$1]}
  echo "$pid"
  if [ "$1" = nginx ]; then
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

# ---- 3. wrk runs -------------------------------------------------------------

# Scenario: name|path|connections|extra wrk args
SCENARIOS=(
  "hello c=1|/hello|1|"
  "hello c=50|/hello|50|"
  "hello c=500|/hello|500|"
  "1 KiB file c=50|/1k.bin|50|"
  "1 MiB file c=10|/1m.bin|10|"
  "hello c=50, Connection: close|/hello|50|close"
)

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

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "";
  else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A RPS CPURATE CPUSHARE ERRS ERRDETAIL
NSC=${#SCENARIOS[@]}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "bench: ${#ACTIVE[@]} servers x $NSC scenarios x $ROUNDS rounds of ${DUR}s (+${WARMUP}s warm-up)"
for ((si = 0; si < NSC; si++)); do
  IFS='|' read -r sname spath sconn sextra <<<"${SCENARIOS[$si]}"
  log "bench: [$((si + 1))/$NSC] $sname"
  declare -A vals=() treq=() tcpu=() terr=() tdet=()
  for s in "${ACTIVE[@]}"; do
    [ -z "${DEAD[$s]:-}" ] || continue
    if [ "$WARMUP" -gt 0 ]; then
      run_wrk "$s" "$spath" "$sconn" "$sextra" "$WARMUP" "$TMP/warm.out"
    fi
  done
  for ((r = 1; r <= ROUNDS; r++)); do
    for s in "${ACTIVE[@]}"; do
      [ -z "${DEAD[$s]:-}" ] || continue
      out=$TMP/wrk-$si-$s-$r.out
      child_ticks; k0=$CHILD_TICKS
      read -r b0 t0 <<<"$(cpu_stat $SERVER_CPU)"; read -r w0 _ <<<"$(cpu_stat $WRK_CPU)"
      c0=$(cpu_ticks "$s")
      run_wrk "$s" "$spath" "$sconn" "$sextra" "$DUR" "$out"
      c1=$(cpu_ticks "$s")
      read -r b1 t1 <<<"$(cpu_stat $SERVER_CPU)"; read -r w1 _ <<<"$(cpu_stat $WRK_CPU)"
      child_ticks; k1=$CHILD_TICKS
      WRKT[$s]=$((${WRKT[$s]:-0} + k1 - k0))
      OTHER0[$s]=$((${OTHER0[$s]:-0} + (b1 - b0) - (c1 - c0)))
      BUSY1[$s]=$((${BUSY1[$s]:-0} + w1 - w0))
      TOT[$s]=$((${TOT[$s]:-0} + t1 - t0))
      read -r req rps se n2 det <<<"$(parse_wrk "$out")"
      log "  $s round $r: $rps req/s, $req requests, cpu $(((c1 - c0) * 1000 / HZ)) ms, errors: socket $se ($det), non-2xx $n2"
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
  for s in "${ACTIVE[@]}"; do
    [ -n "${vals[$s]:-}" ] || continue
    RPS[$si,$s]=$(printf '%s\n' ${vals[$s]} | median)
    if [ "${tcpu[$s]}" -gt 0 ]; then
      CPURATE[$si,$s]=$(awk -v r="${treq[$s]}" -v c="${tcpu[$s]}" -v hz="$HZ" 'BEGIN { printf "%.0f", r / (c / hz) }')
    fi
    CPUSHARE[$si,$s]=$(awk -v c="${tcpu[$s]}" -v hz="$HZ" -v t="$((ROUNDS * DUR))" 'BEGIN { printf "%.0f", 100 * c / hz / t }')
    ERRS[$si,$s]=${terr[$s]}
    if [ -n "${tdet[$s]:-}" ]; then ERRDETAIL[$si,$s]=${tdet[$s]}; fi
  done
  unset vals treq tcpu terr tdet
done

# Syscalls per request, hello c=50, strace -c attached for a separate run.
declare -A SYSC SYSC_TOP RSS
for s in "${ACTIVE[@]}"; do
  [ -z "${DEAD[$s]:-}" ] || continue
  log "bench: strace -c on $s, hello c=50 for ${STRACE_DUR}s"
  pargs=()
  for p in $(server_pids "$s"); do pargs+=(-p "$p"); done
  strace -c -f -o "$TMP/strace-$s.txt" "${pargs[@]}" 2>"$TMP/strace-$s.err" &
  spid=$!
  PIDS+=("$spid")
  for _ in $(seq 1 50); do
    grep -q attached "$TMP/strace-$s.err" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.3
  run_wrk "$s" /hello 50 "" "$STRACE_DUR" "$TMP/wrk-strace-$s.out"
  kill -INT "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  read -r req _ _ _ _ <<<"$(parse_wrk "$TMP/wrk-strace-$s.out")"
  calls=$(awk '$NF == "total" { print $4 }' "$TMP/strace-$s.txt")
  if [ -n "$calls" ] && [ "${req:-0}" -gt 0 ]; then
    SYSC[$s]=$(awk -v c="$calls" -v r="$req" 'BEGIN { printf "%.2f", c / r }')
    # The three busiest calls, for the notes.
    top=$(awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $4, $NF }' "$TMP/strace-$s.txt" |
      sort -rn | head -4 | awk -v r="$req" '{ printf "%s %.2f, ", $2, $1 / r }')
    SYSC_TOP[$s]=${top%, }
    log "  $s: $calls syscalls for $req requests"
  else
    log "  $s: strace gave no count (requests: ${req:-0})"
    sed 's/^/    /' "$TMP/strace-$s.err" | head -5 >&2
  fi
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

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 4. Tables -----------------------------------------------------------------

fmt_int() { [ -n "${1:-}" ] && printf '%.0f' "$1" || printf 'n/a'; }
ratio() {  # ratio A B
  if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
  else
    printf 'n/a'
  fi
}

echo
echo "## make bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
echo
echo "- wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') -t1 on CPU $WRK_CPU; each server on CPU $SERVER_CPU. $ROUNDS rounds of ${DUR}s per server and"
echo "  scenario, servers interleaved; req/s is the median round, req/CPU-s is all requests / all server CPU time."
echo "- mongoose: bench/bench_server.c, $CC -O2 -DNDEBUG ${BENCH_MG_CFLAGS:-(default iface)}; nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||') (1 worker, sendfile on);"
echo "  civetweb $(civetweb -h 2>&1 | awk '/CivetWeb v/ { sub(",", "", $2); print $2; exit }') (num_threads $CW_THREADS, tcp_nodelay 1; /hello is a static file)."
echo "- load average (1/5/15 min) at start: $LOAD0; at end: $LOAD1; nice level of servers and wrk: ${BENCH_NICE:-unchanged}."
echo "  The bench alone makes about 2; more means other processes competed (see the CPU line under the tables)."
echo
echo "| scenario | mongoose req/s | nginx req/s | civetweb req/s | mg/nginx | mg/civetweb | mongoose req/CPU-s | nginx req/CPU-s | civetweb req/CPU-s | mg/nginx per CPU-s | server CPU % mg / nginx / civetweb | wrk errors mg / nginx / civetweb |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
for ((si = 0; si < NSC; si++)); do
  IFS='|' read -r sname _ <<<"${SCENARIOS[$si]}"
  m=${RPS[$si,mongoose]:-}; n=${RPS[$si,nginx]:-}; c=${RPS[$si,civetweb]:-}
  mc=${CPURATE[$si,mongoose]:-}; nc=${CPURATE[$si,nginx]:-}; cc=${CPURATE[$si,civetweb]:-}
  errs= shares=
  for s in mongoose nginx civetweb; do
    e=${ERRS[$si,$s]:-}
    errs="$errs${errs:+ / }${e:-n/a}"
    e=${CPUSHARE[$si,$s]:-}
    shares="$shares${shares:+ / }${e:-n/a}"
  done
  echo "| $sname | $(fmt_int "$m") | $(fmt_int "$n") | $(fmt_int "$c") | $(ratio "$m" "$n") | $(ratio "$m" "$c") | $(fmt_int "$mc") | $(fmt_int "$nc") | $(fmt_int "$cc") | $(ratio "$mc" "$nc") | $shares | $errs |"
done
echo
echo "| hello c=50 | mongoose | nginx | civetweb |"
echo "|---|---:|---:|---:|"
echo "| syscalls / request (strace -c -f, ${STRACE_DUR}s run) | ${SYSC[mongoose]:-n/a} | ${SYSC[nginx]:-n/a} | ${SYSC[civetweb]:-n/a} |"
echo "| peak RSS, KiB (VmHWM, all processes) | ${RSS[mongoose]:-n/a} | ${RSS[nginx]:-n/a} | ${RSS[civetweb]:-n/a} |"
echo
for s in mongoose nginx civetweb; do
  if [ -n "${SYSC_TOP[$s]:-}" ]; then
    echo "- busiest syscalls per request, $s: ${SYSC_TOP[$s]}"
  fi
done
line=
for s in mongoose nginx civetweb; do
  if [ -n "${TOT[$s]:-}" ] && [ "${TOT[$s]}" -gt 0 ]; then
    line="$line${line:+; }$s $(awk -v o="${OTHER0[$s]}" -v b="${BUSY1[$s]}" -v w="${WRKT[$s]}" -v t="${TOT[$s]}" \
      'BEGIN { o = o < 0 ? 0 : o; b -= w; b = b < 0 ? 0 : b
               printf "%.0f%% / %.0f%% (wrk %.0f%%)", 100 * o / t, 100 * b / t, 100 * w / t }')"
  fi
done
echo "- during each server's timed runs, share of CPU $SERVER_CPU busy with other than the server / of CPU $WRK_CPU busy with other than wrk: $line"
$CC -Os -c "$ROOT/mongoose.c" -o "$TMP/mg_os.o" 2>/dev/null &&
  echo "- mongoose.c at -Os: .text $(size "$TMP/mg_os.o" | awk 'NR == 2 { print $1 }') bytes (\`$CC -Os -c mongoose.c\`, size)" ||
  echo "- mongoose.c does not compile at -Os"
for ((si = 0; si < NSC; si++)); do
  IFS='|' read -r sname _ <<<"${SCENARIOS[$si]}"
  for s in mongoose nginx civetweb; do
    if [ -n "${ERRDETAIL[$si,$s]:-}" ]; then
      echo "- wrk errors, $sname, $s: ${ERRDETAIL[$si,$s]}"
    fi
  done
done
for s in mongoose nginx civetweb; do
  if echo "$SERVERS" | grep -qw "$s"; then
    if [ -n "${DEAD[$s]:-}" ]; then echo "- **$s: ${DEAD[$s]}**"; fi
  else
    echo "- $s: not run (BENCH_SERVERS)"
  fi
done
exit 0
