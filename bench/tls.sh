# shellcheck shell=bash
# The TLS rows of `make bench`, sourced by bench/run.sh (not run on its own):
# bench/bench_server.c built with TLS (OpenSSL; mbedTLS too once
# src/tls_mbedtls.c is a real backend) beside nginx with `listen ... ssl`,
# both with the same throw-away EC P-256 certificate, driven by wrk over
# https; then bench/tls_mem (heap per idle TLS connection). It uses run.sh's
# helpers (log, die, PIDS, stop_pid, pick_port, cpu_stat, child_ticks,
# median, fmt_int, ratio, HZ, NICE, NGINX, NOFILE, SERVER_CPU, WRK_CPU, TMP,
# BUILD_DIR, CC, ROOT). See bench/README.md, "The TLS rows".
#
#   BENCH_TLS_DURATION  seconds per wrk run (BENCH_DURATION, 5)
#   BENCH_TLS_MEM_N     idle connections of the memory figure (200)
#   BENCH_TLS_MEM_RUNS  runs of each memory figure (3)
# BENCH_ROUNDS, BENCH_WARMUP, BENCH_NICE and BENCH_MG_CFLAGS apply as for HTTP.

TLS_DUR=${BENCH_TLS_DURATION:-$DUR}
TLS_MEM_N=${BENCH_TLS_MEM_N:-200}
TLS_MEM_RUNS=${BENCH_TLS_MEM_RUNS:-3}
TLS_DIR=$TMP/tls
TLS_ALL=(tls-mg tls-mbed tls-nginx)  # every server; tls-mbed if it builds
TLS_MGS=(tls-mg tls-mbed)
# Scenario: name|extra|set. extra: close (a new connection, so a new
# handshake, per request) or empty (keep-alive); set: full (the servers
# issue no session ticket: every handshake is a full one) or resume (their
# defaults: wrk resumes with their tickets).
TLS_SCENARIOS=(
  "new connection per request (full handshake), c=50|close|full"
  "keep-alive hello, c=50||full"
  "new connection per request (wrk resumes the session), c=50|close|resume"
)
declare -A TLS_PORT TLS_DEAD TLS_RPS TLS_ROUNDS TLS_CPURATE TLS_SHARE TLS_ERR \
  TLS_NEG TLS_RESUMES TLS_OTHER0 TLS_BUSY1 TLS_CLIENT TLS_TOT TLS_MEM TLS_MEM_ERR

tls_label() {
  case $1 in
    tls-mg) echo "mongoose [OpenSSL]" ;;
    tls-mbed) echo "mongoose [mbedTLS]" ;;
    tls-nginx) echo nginx ;;
  esac
}

tls_backend() { case $1 in tls-mbed) echo mbedTLS ;; *) echo OpenSSL ;; esac; }

# The server's processes: nginx's master and its workers, else the one.
tls_pids() {
  local pid=${SPID[$1]}
  echo "$pid"
  if [ "$1" = tls-nginx ]; then
    cat /proc/"$pid"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$' || true
  fi
}
tls_ticks() {  # utime + stime of the server, clock ticks
  local t=0 p v
  for p in $(tls_pids "$1"); do
    v=$(sed 's/^.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}') || v=0
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# The certificate, the OpenSSL configuration that turns tickets off, the
# document root, the builds.
tls_prepare() {
  mkdir -p "$TLS_DIR/www" "$BUILD_DIR"
  chmod 755 "$TLS_DIR"
  printf 'Hello, world!' >"$TLS_DIR/www/hello"
  chmod -R a+rX "$TLS_DIR/www"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" 2>"$TLS_DIR/req.log" ||
    die "TLS: openssl req failed: $(tail -n 2 "$TLS_DIR/req.log")"
  # Applied by libssl to every SSL_CTX it creates (nginx and bench_server
  # alike): TLS 1.3 servers send no NewSessionTicket, so no client can
  # resume. mbedTLS does not read it.
  printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' 'ssl_conf = ssl_sect' \
    '[ssl_sect]' 'system_default = tls_sect' '[tls_sect]' 'NumTickets = 0' >"$TLS_DIR/noticket.cnf"
  log "bench: TLS: building bench_server and tls_mem with OpenSSL (-O2 -DNDEBUG)"
  # shellcheck disable=SC2086
  if ! $CC -O2 -DNDEBUG -DMG_ENABLE_SSL=1 ${BENCH_MG_CFLAGS:-} -I"$ROOT" "$ROOT/bench/bench_server.c" \
      "$ROOT/mongoose.c" -o "$BUILD_DIR/bench_server_tls" -lssl -lcrypto -lpthread 2>"$TLS_DIR/build.log"; then
    TLS_DEAD[tls-mg]="build failed: $(grep -m3 -E 'error|undefined' "$TLS_DIR/build.log" | sed 's/^.*: //' | tr '\n' ';')"
    sed -n 1,20p "$TLS_DIR/build.log" >&2
  fi
  $CC -O2 -DNDEBUG -DMG_ENABLE_SSL=1 -I"$ROOT" "$ROOT/bench/tls_mem.c" "$ROOT/mongoose.c" \
    -o "$BUILD_DIR/tls_mem" -lssl -lcrypto -lpthread 2>"$TLS_DIR/build-mem.log" ||
    TLS_MEM_ERR[tls-mg]="tls_mem does not build: $(grep -m1 error "$TLS_DIR/build-mem.log" || true)"
  # mbedTLS: only once src/tls_mbedtls.c is more than a placeholder.
  if ! grep -q 'mbedtls_ssl_' "$ROOT/mongoose.c"; then
    TLS_DEAD[tls-mbed]="not built: mongoose.c has no mbedTLS backend yet (src/tls_mbedtls.c is not on this branch)"
    TLS_MEM_ERR[tls-mbed]=${TLS_DEAD[tls-mbed]}
    return
  fi
  log "bench: TLS: building bench_server and tls_mem with mbedTLS"
  local mb=(-DMG_ENABLE_SSL=1 -DMG_SSL_IF=MG_SSL_IF_MBEDTLS)
  # shellcheck disable=SC2086
  if ! $CC -O2 -DNDEBUG "${mb[@]}" ${BENCH_MG_CFLAGS:-} -I"$ROOT" "$ROOT/bench/bench_server.c" \
      "$ROOT/mongoose.c" -o "$BUILD_DIR/bench_server_mbedtls" -lmbedtls -lmbedx509 -lmbedcrypto \
      -lpthread 2>"$TLS_DIR/build-mbed.log"; then
    TLS_DEAD[tls-mbed]="build failed: $(grep -m3 -E 'error|undefined' "$TLS_DIR/build-mbed.log" | sed 's/^.*: //' | tr '\n' ';')"
  fi
  # tls_mem's client is OpenSSL in every build (the same client for each
  # backend), so this one links both.
  $CC -O2 -DNDEBUG "${mb[@]}" -I"$ROOT" "$ROOT/bench/tls_mem.c" "$ROOT/mongoose.c" \
    -o "$BUILD_DIR/tls_mem_mbedtls" -lmbedtls -lmbedx509 -lmbedcrypto -lssl -lcrypto -lpthread \
    2>"$TLS_DIR/build-mem-mbed.log" ||
    TLS_MEM_ERR[tls-mbed]="tls_mem does not build with mbedTLS: $(grep -m1 error "$TLS_DIR/build-mem-mbed.log" || true)"
}

# tls_start NAME CONF: starts a server (CONF: an OPENSSL_CONF file, or
# empty for the library's defaults); sets SPID[NAME], TLS_PORT[NAME].
tls_start() {
  local name=$1 conf=$2 port pid env=(env) bin d=$TLS_DIR/$1
  port=$(pick_port)
  TLS_PORT[$name]=$port
  [ -z "$conf" ] || env+=(OPENSSL_CONF="$conf")
  case $name in
    tls-mg | tls-mbed)
      bin=$BUILD_DIR/bench_server_tls
      [ "$name" = tls-mg ] || bin=$BUILD_DIR/bench_server_mbedtls
      "${env[@]}" "${NICE[@]}" taskset -c $SERVER_CPU "$bin" -l "127.0.0.1:$port" -d "$TLS_DIR/www" \
        -i epoll -c "$TLS_DIR/cert.pem" -k "$TLS_DIR/key.pem" >"$TLS_DIR/$name.log" 2>&1 &
      pid=$! ;;
    tls-nginx)
      # bench/nginx.conf.in with its listen line made an ssl one.
      mkdir -p "$d/nginx-tmp"
      chmod 755 "$d"
      # nginx 1.22 leaves TLS 1.3 out by default (1.23.4 added it):
      # ssl_protocols as mongoose's (TLS 1.2 at least).
      sed -e "s|listen 127.0.0.1:@PORT@;|listen 127.0.0.1:$port ssl;\n    ssl_certificate $TLS_DIR/cert.pem;\n    ssl_certificate_key $TLS_DIR/key.pem;\n    ssl_protocols TLSv1.2 TLSv1.3;|" \
        -e "s|@DIR@|$d|g" -e "s|@DOCROOT@|$TLS_DIR/www|g" -e "s|@WORKER_CONNECTIONS@|4096|g" \
        -e "s|@NOFILE@|$NOFILE|g" "$ROOT/bench/nginx.conf.in" >"$d/nginx.conf"
      "${env[@]}" "${NICE[@]}" taskset -c $SERVER_CPU "$NGINX" -p "$d" -c "$d/nginx.conf" \
        -g 'daemon off;' >"$TLS_DIR/$name.log" 2>&1 &
      pid=$! ;;
  esac
  PIDS+=("$pid")
  SPID[$name]=$pid
}

# The server answers GET /hello over TLS with 200 and exactly the body;
# records the protocol, cipher and key exchange, and whether a session
# from it can be resumed (openssl s_client -sess_out, then -sess_in).
tls_check() {  # tls_check NAME SET; returns 1 (and sets TLS_DEAD) on failure
  local name=$1 port=${TLS_PORT[$1]} resp body out sess=$TLS_DIR/$1.sess
  for _ in $(seq 1 50); do
    kill -0 "${SPID[$name]}" 2>/dev/null ||
      { TLS_DEAD[$name]="exited at start: $(tail -n 3 "$TLS_DIR/$name.log" | tr '\n' '|')"; return 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  resp=$(printf 'GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" 2>/dev/null | tr -d '\r') || true
  body=${resp#*$'\n\n'}
  if [ "${resp%%$'\n'*}" != "HTTP/1.1 200 OK" ] || [ "$body" != "Hello, world!" ]; then
    TLS_DEAD[$name]="bad answer to GET /hello over TLS: $(printf '%s' "${resp:0:200}" | tr '\n' '|')"
    return 1
  fi
  rm -f "$sess"
  # stdin open for half a second: a TLS 1.3 ticket comes after the handshake.
  out=$(sleep 0.5 | timeout 10 openssl s_client -connect "127.0.0.1:$port" -sess_out "$sess" 2>&1) || true
  TLS_NEG[$name]=$(awk '/^(New|Reused), / { sub(/^(New|Reused), /, ""); p = $0 }
    /^Server Temp Key:/ { sub(/^Server Temp Key: /, ""); k = $0 }
    /^Peer signature type:/ { s = $4 }
    END { printf "%s, key exchange %s, signature %s", p, k, s }' <<<"$out")
  if [ -s "$sess" ]; then
    out=$(sleep 0.2 | timeout 10 openssl s_client -connect "127.0.0.1:$port" -sess_in "$sess" 2>&1) || true
    if grep -q '^Reused, ' <<<"$out"; then TLS_RESUMES[$name,$2]=yes; else TLS_RESUMES[$name,$2]="no (ticket refused)"; fi
  else
    TLS_RESUMES[$name,$2]="no (no ticket)"
  fi
  return 0
}

# Does wrk resume TLS sessions when it reconnects? Against openssl s_server
# -www (which answers with its session cache counters): a 1-second c=1
# Connection: close run, then "hits of finished handshakes".
tls_wrk_resume_check() {
  local port pid page
  port=$(pick_port)
  openssl s_server -accept "127.0.0.1:$port" -cert "$TLS_DIR/cert.pem" -key "$TLS_DIR/key.pem" \
    -www -quiet >"$TLS_DIR/s_server.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  # s_server -www answers HTTP/1.0 without Content-Length: wrk counts read
  # errors; only the handshakes matter here.
  timeout 20 taskset -c $WRK_CPU wrk -t1 -c1 -d1s -H 'Connection: close' \
    "https://127.0.0.1:$port/" >"$TLS_DIR/wrk-resume.out" 2>&1 || true
  page=$(timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" 2>/dev/null <<<$'GET / HTTP/1.0\r\n\r\n' || true)
  stop_pid "$pid"
  TLS_WRK_RESUME=$(awk '/server accepts that finished/ { f = $1 } /session cache hits/ { h = $1 }
    END { if (f > 0) printf "%d of %d handshakes resumed", h, f; else printf "unknown (no counters)" }' <<<"$page")
}

# tls_run_wrk SERVER EXTRA SECONDS OUTFILE
tls_run_wrk() {
  local args=(-t1 -c 50 -d "${3}s" --latency)
  [ "$2" = close ] && args+=(-H 'Connection: close')
  timeout $(($3 + 30)) "${NICE[@]}" taskset -c $WRK_CPU wrk "${args[@]}" \
    "https://127.0.0.1:${TLS_PORT[$1]}/hello" >"$4" 2>&1 || true
}

# A wrk report as "requests rps errors non2xx details" (run.sh's parse_wrk
# is defined after the BENCH_ONLY=tls exit, so not available here).
tls_parse_wrk() {
  awk '
    / requests in / { req = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(",", ""); se = $4 + $6 + $8 + $10
      sd = "connect " $4 " read " $6 " write " $8 " timeout " $10 }
    END { printf "%d %.2f %d %d %s\n", req, rps, se, bad, (sd == "" ? "-" : sd) }
  ' "$1"
}

# tls_scenario SI SERVERS...: warm-up, then ROUNDS interleaved rounds.
tls_scenario() {
  local si=$1 sname sextra r s out k0 k1 b0 t0 w0 b1 t1 w1 c0 c1 req rps se n2 det
  shift
  IFS='|' read -r sname sextra _ <<<"${TLS_SCENARIOS[$si]}"
  log "bench: TLS: $sname: $*"
  declare -A treq=() tcpu=() ttot=() terr=()
  if [ "$WARMUP" -gt 0 ]; then
    for s in "$@"; do tls_run_wrk "$s" "$sextra" "$WARMUP" "$TLS_DIR/warm.out"; done
  fi
  for ((r = 1; r <= ROUNDS; r++)); do
    for s in "$@"; do
      [ -z "${TLS_DEAD[$s]:-}" ] || continue
      out=$TLS_DIR/wrk-$si-$s-$r.out
      child_ticks; k0=$CHILD_TICKS
      read -r b0 t0 <<<"$(cpu_stat $SERVER_CPU)"; read -r w0 _ <<<"$(cpu_stat $WRK_CPU)"
      c0=$(tls_ticks "$s")
      tls_run_wrk "$s" "$sextra" "$TLS_DUR" "$out"
      c1=$(tls_ticks "$s")
      read -r b1 t1 <<<"$(cpu_stat $SERVER_CPU)"; read -r w1 _ <<<"$(cpu_stat $WRK_CPU)"
      child_ticks; k1=$CHILD_TICKS
      read -r req rps se n2 det <<<"$(tls_parse_wrk "$out")"
      log "  $s round $r: $rps req/s, $req requests, cpu $(((c1 - c0) * 1000 / HZ)) ms, errors: socket $se ($det), non-2xx $n2"
      TLS_ROUNDS[$si,$s]="${TLS_ROUNDS[$si,$s]:-} $rps"
      treq[$s]=$((${treq[$s]:-0} + req))
      tcpu[$s]=$((${tcpu[$s]:-0} + c1 - c0))
      ttot[$s]=$((${ttot[$s]:-0} + t1 - t0))
      terr[$s]=$((${terr[$s]:-0} + se + n2))
      TLS_CLIENT[$s]=$((${TLS_CLIENT[$s]:-0} + k1 - k0))
      TLS_OTHER0[$s]=$((${TLS_OTHER0[$s]:-0} + (b1 - b0) - (c1 - c0)))
      TLS_BUSY1[$s]=$((${TLS_BUSY1[$s]:-0} + w1 - w0))
      TLS_TOT[$s]=$((${TLS_TOT[$s]:-0} + t1 - t0))
      if ! kill -0 "${SPID[$s]}" 2>/dev/null; then
        TLS_DEAD[$s]="died during \"$sname\" round $r: $(tail -n 3 "$TLS_DIR/$s.log" | tr '\n' '|')"
        log "bench: TLS: $s DIED"; sed 's/^/    /' "$out" >&2
      elif [ "$req" = 0 ]; then
        log "bench: TLS: $s completed no request in round $r; wrk said:"; sed 's/^/    /' "$out" >&2
      fi
    done
  done
  for s in "$@"; do
    [ -n "${TLS_ROUNDS[$si,$s]:-}" ] || continue
    TLS_RPS[$si,$s]=$(printf '%s\n' ${TLS_ROUNDS[$si,$s]} | median)
    if [ "${tcpu[$s]}" -gt 0 ]; then
      TLS_CPURATE[$si,$s]=$(awk -v r="${treq[$s]}" -v c="${tcpu[$s]}" -v hz="$HZ" 'BEGIN { printf "%.0f", r / (c / hz) }')
    fi
    TLS_SHARE[$si,$s]=$(awk -v c="${tcpu[$s]}" -v t="${ttot[$s]}" 'BEGIN { if (t > 0) printf "%.0f", 100 * c / t; else printf "n/a" }')
    TLS_ERR[$si,$s]=${terr[$s]}
  done
}

# tls_set SET: starts the servers for the scenarios of SET, runs them,
# stops the servers.
tls_set() {
  local set=$1 conf='' s si ok=() x
  [ "$set" = resume ] || conf=$TLS_DIR/noticket.cnf
  for s in "${TLS_ALL[@]}"; do
    [ -n "${TLS_DEAD[$s]:-}" ] || tls_start "$s" "$conf"
  done
  for s in "${TLS_ALL[@]}"; do
    [ -z "${TLS_DEAD[$s]:-}" ] || continue
    if tls_check "$s" "$set"; then
      ok+=("$s")
      log "bench: TLS: $s pid ${SPID[$s]} on 127.0.0.1:${TLS_PORT[$s]} (${TLS_NEG[$s]}; resumption: ${TLS_RESUMES[$s,$set]})"
    else
      log "bench: TLS: $s left out: ${TLS_DEAD[$s]}"
      stop_pid "${SPID[$s]}"
    fi
  done
  for ((si = 0; si < ${#TLS_SCENARIOS[@]}; si++)); do
    IFS='|' read -r _ _ x <<<"${TLS_SCENARIOS[$si]}"
    [ "$x" != "$set" ] || [ ${#ok[@]} = 0 ] || tls_scenario "$si" "${ok[@]}"
  done
  for s in "${ok[@]}"; do stop_pid "${SPID[$s]}"; done
}

# tls_mem_runs NAME BINARY [ARGS]: TLS_MEM_RUNS runs; "median min max"
# bytes per connection, or empty (and TLS_MEM_ERR set).
tls_mem_runs() {
  local name=$1 bin=$2 i v vals=()
  shift 2
  for ((i = 0; i < TLS_MEM_RUNS; i++)); do
    v=$(timeout 300 "$bin" -n "$TLS_MEM_N" "$@" 2>"$TLS_DIR/mem-$name.err" |
      awk '{ for (i = 1; i < NF; i++) if ($i == "bytes_per_conn") print $(i + 1) }') || true
    if [ -z "$v" ]; then
      TLS_MEM_ERR[$name]="tls_mem failed: $(tr '\n' ' ' <"$TLS_DIR/mem-$name.err")"
      return
    fi
    vals+=("$v")
  done
  TLS_MEM[$name]="$(printf '%s\n' "${vals[@]}" | median) $(printf '%s\n' "${vals[@]}" | sort -g | head -1) $(printf '%s\n' "${vals[@]}" | sort -g | tail -1)"
}

tls_bench() {
  TLS_LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
  TLS_T0=$(date +%s)
  [ -x "$NGINX" ] || TLS_DEAD[tls-nginx]="not installed (apt-get install -y nginx-light)"
  tls_prepare
  tls_wrk_resume_check
  log "bench: TLS: wrk's session resumption (against openssl s_server): $TLS_WRK_RESUME"
  log "bench: TLS: $ROUNDS rounds of ${TLS_DUR}s per server and scenario (+${WARMUP}s warm-up)"
  tls_set full
  tls_set resume
  log "bench: TLS: heap per idle connection, $TLS_MEM_N connections, $TLS_MEM_RUNS runs each"
  if [ -z "${TLS_MEM_ERR[tls-mg]:-}" ]; then
    tls_mem_runs tcp "$BUILD_DIR/tls_mem"
    tls_mem_runs tls-mg "$BUILD_DIR/tls_mem" -c "$TLS_DIR/cert.pem" -k "$TLS_DIR/key.pem"
  fi
  if [ -z "${TLS_MEM_ERR[tls-mbed]:-}" ]; then
    tls_mem_runs tls-mbed "$BUILD_DIR/tls_mem_mbedtls" -c "$TLS_DIR/cert.pem" -k "$TLS_DIR/key.pem"
  fi
  log "  plain TCP: ${TLS_MEM[tcp]:-n/a}; OpenSSL: ${TLS_MEM[tls-mg]:-${TLS_MEM_ERR[tls-mg]:-n/a}}; mbedTLS: ${TLS_MEM[tls-mbed]:-${TLS_MEM_ERR[tls-mbed]:-n/a}} (median min max, bytes)"
  TLS_LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
  TLS_T1=$(date +%s)
}

# Per-round ratios of server A over B in scenario SI: "min..max".
tls_round_ratios() {  # tls_round_ratios SI A B
  local a b i
  read -r -a a <<<"${TLS_ROUNDS[$1,$2]:-}"
  read -r -a b <<<"${TLS_ROUNDS[$1,$3]:-}"
  [ ${#a[@]} -gt 0 ] && [ ${#a[@]} = ${#b[@]} ] || { printf 'n/a'; return; }
  for i in "${!a[@]}"; do awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { if (y > 0) printf "%.3f\n", x / y }'; done |
    sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.2f..%.2f", lo, hi; else printf "n/a" }'
}

tls_table() {
  local si sname m n=tls-nginx s line v lo hi share goal
  echo
  echo "### TLS: mongoose (bench/bench_server.c, https) beside nginx, wrk over TLS"
  echo
  echo "- wrk -t1 -c50 on CPU $WRK_CPU; each server on CPU $SERVER_CPU. $ROUNDS rounds of ${TLS_DUR}s per server and scenario, interleaved (+${WARMUP}s warm-up)."
  echo "- mongoose: bench_server -i epoll -c cert -k key, $CC -O2 -DNDEBUG -DMG_ENABLE_SSL=1 ${BENCH_MG_CFLAGS:+$BENCH_MG_CFLAGS }(OpenSSL $(openssl version | awk '{ print $2 }')); nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||')"
  echo "  (bench/nginx.conf.in, \`listen ... ssl\`, 1 worker, its TLS defaults). One throw-away EC P-256 certificate for both."
  echo "- load average (1/5/15 min) at start: ${TLS_LOAD0:-n/a}; at end: ${TLS_LOAD1:-n/a}; $(( (${TLS_T1:-0} - ${TLS_T0:-0}) / 60 )) min $(( (${TLS_T1:-0} - ${TLS_T0:-0}) % 60 )) s."
  echo
  echo "| TLS, GET /hello [mongoose backend] | mongoose req/s | nginx req/s | mg/nginx (per-round min..max) | mongoose req/CPU-s | nginx req/CPU-s | mg/nginx per CPU-s | server CPU % mg / nginx | wrk errors mg / nginx |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
  for ((si = 0; si < ${#TLS_SCENARIOS[@]}; si++)); do
    IFS='|' read -r sname _ _ <<<"${TLS_SCENARIOS[$si]}"
    for m in "${TLS_MGS[@]}"; do
      [ -n "${TLS_ROUNDS[$si,$m]:-}" ] || continue
      echo "| $sname [$(tls_backend "$m")] | $(fmt_int "${TLS_RPS[$si,$m]:-}") | $(fmt_int "${TLS_RPS[$si,$n]:-}") | $(ratio "${TLS_RPS[$si,$m]:-}" "${TLS_RPS[$si,$n]:-}") ($(tls_round_ratios "$si" "$m" "$n")) | $(fmt_int "${TLS_CPURATE[$si,$m]:-}") | $(fmt_int "${TLS_CPURATE[$si,$n]:-}") | $(ratio "${TLS_CPURATE[$si,$m]:-}" "${TLS_CPURATE[$si,$n]:-}") | ${TLS_SHARE[$si,$m]:-n/a} / ${TLS_SHARE[$si,$n]:-n/a} | ${TLS_ERR[$si,$m]:-n/a} / ${TLS_ERR[$si,$n]:-n/a} |"
    done
  done
  echo
  for ((si = 0; si < ${#TLS_SCENARIOS[@]}; si++)); do
    IFS='|' read -r sname _ _ <<<"${TLS_SCENARIOS[$si]}"
    line=
    for s in "${TLS_ALL[@]}"; do
      [ -n "${TLS_ROUNDS[$si,$s]:-}" ] || continue
      line="$line${line:+; }$(tls_label "$s") $(printf '%.0f ' ${TLS_ROUNDS[$si,$s]})"
    done
    [ -z "$line" ] || echo "- $sname, req/s per round: ${line% }"
  done
  for s in "${TLS_ALL[@]}"; do
    [ -z "${TLS_NEG[$s]:-}" ] || echo "- $(tls_label "$s") negotiates (openssl s_client): ${TLS_NEG[$s]}; a session resumes: full-handshake rows ${TLS_RESUMES[$s,full]:-n/a}, last row ${TLS_RESUMES[$s,resume]:-n/a}"
  done
  echo "- full-handshake rows: both servers run with OPENSSL_CONF giving NumTickets = 0 (no TLS 1.3 ticket, so no resumption), so every"
  echo "  connection costs a full handshake (X25519 + ECDSA P-256 signature). wrk does resume when it can: $TLS_WRK_RESUME"
  echo "  in a 1-second c=1 run against openssl s_server (its counters); the last row lets it, with each server's default tickets."
  line=
  for s in "${TLS_ALL[@]}"; do
    if [ -n "${TLS_TOT[$s]:-}" ] && [ "${TLS_TOT[$s]}" -gt 0 ]; then
      line="$line${line:+; }$(tls_label "$s") $(awk -v o="${TLS_OTHER0[$s]}" -v b="${TLS_BUSY1[$s]}" -v w="${TLS_CLIENT[$s]}" -v t="${TLS_TOT[$s]}" \
        'BEGIN { o = o < 0 ? 0 : o; b -= w; b = b < 0 ? 0 : b
                 printf "%.0f%% / %.0f%% (wrk %.0f%%)", 100 * o / t, 100 * b / t, 100 * w / t }')"
    fi
  done
  [ -z "$line" ] || echo "- during each server's timed runs, share of CPU $SERVER_CPU busy with other than the server / of CPU $WRK_CPU busy with other than wrk: $line"
  for s in "${TLS_ALL[@]}"; do
    [ -z "${TLS_DEAD[$s]:-}" ] || echo "- **$(tls_label "$s"): ${TLS_DEAD[$s]}**"
  done
  echo
  echo "| heap per idle server connection, $TLS_MEM_N connections (bench/tls_mem, mallinfo2) | bytes per connection: median of $TLS_MEM_RUNS (min..max) | TLS's share (minus plain TCP) | goal |"
  echo "|---|---:|---:|---|"
  for s in tcp tls-mg tls-mbed; do
    case $s in
      tcp) line="plain TCP (the base)" ;;
      tls-mg) line="TLS 1.3, OpenSSL (SSL_MODE_RELEASE_BUFFERS)" ;;
      tls-mbed) line="TLS, mbedTLS" ;;
    esac
    if [ -n "${TLS_MEM[$s]:-}" ]; then
      read -r v lo hi <<<"${TLS_MEM[$s]}"
      share=
      if [ "$s" != tcp ] && [ -n "${TLS_MEM[tcp]:-}" ]; then share=$(awk -v a="$v" -v b="${TLS_MEM[tcp]%% *}" 'BEGIN { printf "%.0f", a - b }'); fi
      goal=
      [ "$s" != tls-mg ] || goal="<= 16384: $(awk -v a="$v" 'BEGIN { print (a <= 16384 ? "met" : "**over**") }')"
      echo "| $line | $(fmt_int "$v") ($(fmt_int "$lo")..$(fmt_int "$hi")) | ${share:-} | $goal |"
    else
      echo "| $line | ${TLS_MEM_ERR[$s]:-n/a} | | |"
    fi
  done
  echo
  echo "- (uordblks + hblkhd after - before) / N in the server process: N connections accepted, handshake finished, idle for a few poll"
  echo "  iterations; the base after $((10)) warm-up connections were opened and closed. User-space heap only (the connection struct, the TLS"
  echo "  session, malloc's headers), not the kernel's socket buffers. The client is a forked child using OpenSSL directly, TLS 1.3 with OpenSSL."
}
