# shellcheck shell=bash
# The DNS row of `make bench`, sourced by bench/run.sh (not run on its own):
# examples/captive_dns_server beside dnsmasq, both answering every A query
# from memory, driven by dnsperf over UDP. It uses run.sh's helpers (log,
# PIDS, stop_pid, cpu_ticks, cpu_stat, child_ticks, median, HZ, NICE,
# SERVER_CPU, WRK_CPU, TMP, BUILD_DIR, CC). See bench/README.md.
#
#   BENCH_DNS_DURATION     seconds per dnsperf run (BENCH_DURATION, 5)
#   BENCH_DNS_OUTSTANDING  dnsperf -q: queries in flight (100, its default)
# BENCH_ROUNDS, BENCH_WARMUP, BENCH_NICE and BENCH_MG_CFLAGS apply as for HTTP.

DNS_DUR=${BENCH_DNS_DURATION:-$DUR}
DNS_OUTSTANDING=${BENCH_DNS_OUTSTANDING:-100}
DNS_ANSWER=10.0.0.1
DNS_TTL=3600  # what the example puts in its answers; dnsmasq gets --local-ttl
DNS_QNAMES="www.example.com portal.test mail.example.org a.b.c.example.net"
DNS_SERVERS=(dns-mg dnsmasq)
declare -A DNS_PORT DNS_DEAD DNS_QPS DNS_ROUNDS DNS_CPURATE DNS_SHARE DNS_LOST DNS_SENT \
  DNS_RCODE DNS_SIZE DNS_OTHER0 DNS_BUSY1 DNS_CLIENT DNS_TOT

dns_label() { case $1 in dns-mg) echo mongoose ;; *) echo "$1" ;; esac; }

# A port of 127.0.0.1 free for both UDP and TCP (both servers bind both).
dns_port_free() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, t)
    s.bind(("127.0.0.1", int(sys.argv[1])))
PY
  else
    [ -z "$(ss -Hlnut "sport = :$1" 2>/dev/null)" ]
  fi
}
dns_pick_port() {
  local p tries=0
  while :; do
    p=$((20000 + RANDOM % 12000))
    tries=$((tries + 1))
    [ $tries -lt 200 ] || die "no free port found"
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    dns_port_free "$p" && break
  done
  USED_PORTS="$USED_PORTS$p "
  echo "$p"
}

# dns_dig PORT NAME: "STATUS|ANSWERS" (answers: "name type rdata;" each).
dns_dig() {
  timeout 10 dig @127.0.0.1 -p "$1" +tries=1 +time=1 "$2" A 2>&1 | awk '
    /status: / { st = $0; sub(/.*status: /, "", st); sub(/,.*/, "", st) }
    /^;; ANSWER SECTION:/ { a = 1; next }
    a && /^$/ { a = 0 }
    a && !/^;/ { ans = ans $1 " " $4 " " $5 ";" }
    END { printf "%s|%s\n", st, ans }'
}

dns_start() {  # dns_start NAME: sets SPID[NAME], DNS_PORT[NAME]
  local name=$1 port pid
  port=$(dns_pick_port)
  DNS_PORT[$name]=$port
  case $name in
    dns-mg)
      "${NICE[@]}" taskset -c $SERVER_CPU "$BUILD_DIR/captive_dns_server" -l "127.0.0.1:$port" \
        -a $DNS_ANSWER -q >"$TMP/$name.log" 2>&1 &
      pid=$! ;;
    dnsmasq)
      # -d: foreground, log to stderr; no -q, so no line per query. --address
      # answers from the configuration: no upstream (--no-resolv), no cache
      # lookup, no hosts file; --local-ttl gives the TTL mongoose sends.
      "${NICE[@]}" taskset -c $SERVER_CPU dnsmasq -d -p "$port" --listen-address=127.0.0.1 \
        --bind-interfaces --no-resolv --no-hosts --conf-file=/dev/null \
        --address=/#/$DNS_ANSWER --local-ttl=$DNS_TTL --pid-file="$TMP/dnsmasq.pid" \
        >"$TMP/$name.log" 2>&1 &
      pid=$! ;;
  esac
  PIDS+=("$pid")
  SPID[$name]=$pid
}

# Every name of the query file must get NOERROR and exactly its one A record.
dns_check() {  # dns_check NAME; returns 1 (and sets DNS_DEAD) on failure
  local name=$1 port=${DNS_PORT[$1]} r n
  for _ in $(seq 1 50); do
    kill -0 "${SPID[$name]}" 2>/dev/null ||
      { DNS_DEAD[$name]="exited at start: $(tail -n 3 "$TMP/$name.log" | tr '\n' '|')"; return 1; }
    r=$(dns_dig "$port" portal.test)
    [ "${r%%|*}" = "" ] || break
    sleep 0.1
  done
  for n in $DNS_QNAMES; do
    r=$(dns_dig "$port" "$n")
    if [ "$r" != "NOERROR|$n. A $DNS_ANSWER;" ]; then
      DNS_DEAD[$name]="bad answer to dig $n A: ${r:-no answer}"
      return 1
    fi
  done
  return 0
}

# run_dnsperf SERVER SECONDS OUTFILE
run_dnsperf() {
  timeout $(($2 + 30)) "${NICE[@]}" taskset -c $WRK_CPU dnsperf -s 127.0.0.1 -p "${DNS_PORT[$1]}" \
    -d "$TMP/dns-queries.txt" -l "$2" -q "$DNS_OUTSTANDING" >"$3" 2>&1 || true
}
# Fields of a dnsperf report: sent completed lost qps "rcodes" "sizes"
parse_dnsperf() {
  awk '
    /Queries sent:/ { sent = $3 }
    /Queries completed:/ { done = $3 }
    /Queries lost:/ { lost = $3 }
    /Queries per second:/ { qps = $4 }
    /Response codes:/ { rc = $0; sub(/.*codes: */, "", rc); gsub(/ /, "_", rc) }
    /Average packet size:/ { sz = $5 "/" $7; sub(/,/, "", sz) }
    END { printf "%d %d %d %.2f %s %s\n", sent, done, lost, qps, (rc == "" ? "-" : rc), (sz == "" ? "-" : sz) }
  ' "$1"
}

dns_bench() {
  local s r out k0 k1 b0 t0 w0 b1 t1 w1 c0 c1 sent got lost qps rc sz n ok=()
  DNS_LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
  DNS_T0=$(date +%s)
  mkdir -p "$BUILD_DIR"
  log "bench: DNS: building captive_dns_server (-O2 -DNDEBUG)"
  # shellcheck disable=SC2086
  if ! $CC -O2 -DNDEBUG ${BENCH_MG_CFLAGS:-} -I"$ROOT" "$ROOT/examples/captive_dns_server/main.c" \
      "$ROOT/mongoose.c" -o "$BUILD_DIR/captive_dns_server" -lpthread 2>"$TMP/dns-build.log"; then
    DNS_DEAD[dns-mg]="build failed: $(grep -m3 -E 'error|undefined' "$TMP/dns-build.log" | sed 's/^.*: //' | tr '\n' ';')"
    sed -n 1,20p "$TMP/dns-build.log" >&2
  fi
  : >"$TMP/dns-queries.txt"
  for n in $DNS_QNAMES; do echo "$n A" >>"$TMP/dns-queries.txt"; done
  for s in "${DNS_SERVERS[@]}"; do
    [ -n "${DNS_DEAD[$s]:-}" ] || dns_start "$s"
  done
  for s in "${DNS_SERVERS[@]}"; do
    [ -z "${DNS_DEAD[$s]:-}" ] || { log "bench: DNS: $s left out: ${DNS_DEAD[$s]}"; continue; }
    if dns_check "$s"; then
      ok+=("$s")
      log "bench: DNS: $s pid ${SPID[$s]} on udp://127.0.0.1:${DNS_PORT[$s]}"
    else
      log "bench: DNS: $s left out: ${DNS_DEAD[$s]}"
      stop_pid "${SPID[$s]}"
    fi
  done
  log "bench: DNS: ${#ok[@]} servers (${ok[*]}), $ROUNDS rounds of ${DNS_DUR}s (+${WARMUP}s warm-up), dnsperf -q $DNS_OUTSTANDING"
  if [ "$WARMUP" -gt 0 ]; then
    for s in "${ok[@]}"; do run_dnsperf "$s" "$WARMUP" "$TMP/dns-warm.out"; done
  fi
  declare -A tq=() tc=() tt=()
  for ((r = 1; r <= ROUNDS; r++)); do
    for s in "${ok[@]}"; do
      [ -z "${DNS_DEAD[$s]:-}" ] || continue
      out=$TMP/dnsperf-$s-$r.out
      child_ticks; k0=$CHILD_TICKS
      read -r b0 t0 <<<"$(cpu_stat $SERVER_CPU)"; read -r w0 _ <<<"$(cpu_stat $WRK_CPU)"
      c0=$(cpu_ticks "$s")
      run_dnsperf "$s" "$DNS_DUR" "$out"
      c1=$(cpu_ticks "$s")
      read -r b1 t1 <<<"$(cpu_stat $SERVER_CPU)"; read -r w1 _ <<<"$(cpu_stat $WRK_CPU)"
      child_ticks; k1=$CHILD_TICKS
      read -r sent got lost qps rc sz <<<"$(parse_dnsperf "$out")"
      log "  $s round $r: $qps queries/s, $got of $sent answered, $lost lost, cpu $(((c1 - c0) * 1000 / HZ)) ms, rcodes ${rc//_/ }"
      DNS_ROUNDS[$s]="${DNS_ROUNDS[$s]:-} $qps"
      DNS_SENT[$s]=$((${DNS_SENT[$s]:-0} + sent))
      DNS_LOST[$s]=$((${DNS_LOST[$s]:-0} + lost))
      DNS_SIZE[$s]=$sz
      [ "$rc" = "NOERROR_${got}_(100.00%)" ] || DNS_RCODE[$s]="${DNS_RCODE[$s]:-}round $r: ${rc//_/ }; "
      tq[$s]=$((${tq[$s]:-0} + got))
      tc[$s]=$((${tc[$s]:-0} + c1 - c0))
      tt[$s]=$((${tt[$s]:-0} + t1 - t0))
      DNS_CLIENT[$s]=$((${DNS_CLIENT[$s]:-0} + k1 - k0))
      DNS_OTHER0[$s]=$((${DNS_OTHER0[$s]:-0} + (b1 - b0) - (c1 - c0)))
      DNS_BUSY1[$s]=$((${DNS_BUSY1[$s]:-0} + w1 - w0))
      if ! kill -0 "${SPID[$s]}" 2>/dev/null; then
        DNS_DEAD[$s]="died during round $r: $(tail -n 3 "$TMP/$s.log" | tr '\n' '|')"
        log "bench: DNS: $s DIED in round $r"; sed 's/^/    /' "$out" >&2
      elif [ "$got" = 0 ]; then
        log "bench: DNS: $s answered no query in round $r; dnsperf said:"
        sed 's/^/    /' "$out" >&2
      fi
    done
  done
  for s in "${ok[@]}"; do
    [ -n "${DNS_ROUNDS[$s]:-}" ] || continue
    DNS_QPS[$s]=$(printf '%s\n' ${DNS_ROUNDS[$s]} | median)
    if [ "${tc[$s]}" -gt 0 ]; then
      DNS_CPURATE[$s]=$(awk -v q="${tq[$s]}" -v c="${tc[$s]}" -v hz="$HZ" 'BEGIN { printf "%.0f", q / (c / hz) }')
    fi
    DNS_TOT[$s]=${tt[$s]}
    DNS_SHARE[$s]=$(awk -v c="${tc[$s]}" -v t="${tt[$s]}" 'BEGIN { if (t > 0) printf "%.0f", 100 * c / t; else printf "n/a" }')
    stop_pid "${SPID[$s]}"
  done
  DNS_LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
  DNS_T1=$(date +%s)
}

dns_table() {
  local m=dns-mg d=dnsmasq s line spread
  echo
  echo "### DNS: mongoose (examples/captive_dns_server) beside dnsmasq, UDP A queries from dnsperf"
  echo
  echo "- dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ { print $2 }') -q $DNS_OUTSTANDING (1 client, 1 thread) on CPU $WRK_CPU, a query file of $(echo $DNS_QNAMES | wc -w) A queries"
  echo "  ($DNS_QNAMES), looped; each server on CPU $SERVER_CPU. $ROUNDS rounds of ${DNS_DUR}s per server, interleaved (+${WARMUP}s warm-up)."
  echo "- mongoose: examples/captive_dns_server -q, $CC -O2 -DNDEBUG ${BENCH_MG_CFLAGS:+$BENCH_MG_CFLAGS }(mg_mgr_init default iface: select unless BENCH_MG_CFLAGS sets MG_DEFAULT_IFACE); dnsmasq $(dnsmasq --version 2>/dev/null | awk 'NR == 1 { print $3 }')"
  echo "  (-d, --address=/#/$DNS_ANSWER --local-ttl=$DNS_TTL --no-resolv --no-hosts, no query log). Both answer $DNS_ANSWER, TTL $DNS_TTL."
  echo "- load average (1/5/15 min) at start: $DNS_LOAD0; at end: $DNS_LOAD1; $(( (DNS_T1 - DNS_T0) / 60 )) min $(( (DNS_T1 - DNS_T0) % 60 )) s."
  echo
  echo "| DNS, UDP | mongoose queries/s | dnsmasq queries/s | mg/dnsmasq | mongoose queries/CPU-s | dnsmasq queries/CPU-s | mg/dnsmasq per CPU-s | server CPU % mg / dnsmasq | queries lost mg / dnsmasq (of sent) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
  echo "| A, dnsperf -q $DNS_OUTSTANDING | $(fmt_int "${DNS_QPS[$m]:-}") | $(fmt_int "${DNS_QPS[$d]:-}") | $(ratio "${DNS_QPS[$m]:-}" "${DNS_QPS[$d]:-}") | $(fmt_int "${DNS_CPURATE[$m]:-}") | $(fmt_int "${DNS_CPURATE[$d]:-}") | $(ratio "${DNS_CPURATE[$m]:-}" "${DNS_CPURATE[$d]:-}") | ${DNS_SHARE[$m]:-n/a} / ${DNS_SHARE[$d]:-n/a} | ${DNS_LOST[$m]:-n/a} / ${DNS_LOST[$d]:-n/a} (${DNS_SENT[$m]:-n/a} / ${DNS_SENT[$d]:-n/a}) |"
  echo
  line=
  for s in "${DNS_SERVERS[@]}"; do
    [ -n "${DNS_ROUNDS[$s]:-}" ] || continue
    spread=$(printf '%s\n' ${DNS_ROUNDS[$s]} | sort -g | awk -v m="${DNS_QPS[$s]}" '
      NR == 1 { lo = $1 } { hi = $1 } END { if (m > 0) printf "%.0f", 100 * (hi - lo) / m }')
    line="$line${line:+; }$(dns_label "$s") $(printf '%.0f ' ${DNS_ROUNDS[$s]})(max - min: $spread% of the median)"
  done
  [ -z "$line" ] || echo "- queries/s per round: $line"
  line=
  for s in "${DNS_SERVERS[@]}"; do
    [ -n "${DNS_SIZE[$s]:-}" ] || continue
    line="$line${line:+; }$(dns_label "$s") ${DNS_SIZE[$s]}"
  done
  [ -z "$line" ] || echo "- average packet size, query/response bytes (dnsperf): $line"
  line=
  for s in "${DNS_SERVERS[@]}"; do
    if [ -n "${DNS_TOT[$s]:-}" ] && [ "${DNS_TOT[$s]}" -gt 0 ]; then
      line="$line${line:+; }$(dns_label "$s") $(awk -v o="${DNS_OTHER0[$s]}" -v b="${DNS_BUSY1[$s]}" -v w="${DNS_CLIENT[$s]}" -v t="${DNS_TOT[$s]}" \
        'BEGIN { o = o < 0 ? 0 : o; b -= w; b = b < 0 ? 0 : b
                 printf "%.0f%% / %.0f%% (dnsperf %.0f%%)", 100 * o / t, 100 * b / t, 100 * w / t }')"
    fi
  done
  [ -z "$line" ] || echo "- during each server's timed runs, share of CPU $SERVER_CPU busy with other than the server / of CPU $WRK_CPU busy with other than dnsperf: $line"
  for s in "${DNS_SERVERS[@]}"; do
    [ -z "${DNS_RCODE[$s]:-}" ] || echo "- $(dns_label "$s"): not every answer was NOERROR: ${DNS_RCODE[$s]}"
    [ -z "${DNS_DEAD[$s]:-}" ] || echo "- **$(dns_label "$s"): ${DNS_DEAD[$s]}**"
  done
}
