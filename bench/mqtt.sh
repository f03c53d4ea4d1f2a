# shellcheck shell=bash
# The MQTT rows of `make bench`, sourced by bench/run.sh (not run on its
# own): examples/mqtt_broker beside mosquitto, both driven by the same load
# generator (bench/mqtt_load.c, its own MQTT encoder: not mongoose's). It
# uses run.sh's helpers (log, die, PIDS, stop_pid, pick_port, cpu_ticks,
# cpu_stat, child_ticks, median, fmt_int, ratio, HZ, NICE, SERVER_CPU,
# WRK_CPU, TMP, BUILD_DIR, CC). See bench/README.md.
#
#   BENCH_MQTT_DURATION   seconds per load run (BENCH_DURATION, 5)
#   BENCH_MQTT_WINDOW     mqtt_load -w: messages the publisher may be ahead
#                         of the slowest subscriber, and (QoS 1) PUBLISHes
#                         without PUBACK (1000)
#   BENCH_MQTT_RSS_COUNT  messages of the memory run, QoS 0 1 -> 1, before
#                         the rounds (1000000; 0 skips it)
# BENCH_ROUNDS, BENCH_WARMUP, BENCH_NICE and BENCH_MG_CFLAGS apply as for HTTP.

MQTT_DUR=${BENCH_MQTT_DURATION:-$DUR}
MQTT_WINDOW=${BENCH_MQTT_WINDOW:-1000}
MQTT_RSS_COUNT=${BENCH_MQTT_RSS_COUNT:-1000000}
MQTT_SERVERS=(mqtt-mg mosquitto)
MQTT_SCENARIOS=("0 1" "0 50" "1 1" "1 50")  # "QOS SUBSCRIBERS"
MOSQUITTO_BIN=$(command -v mosquitto || echo /usr/sbin/mosquitto)
declare -A MQ_PORT MQ_DEAD MQ_RATE MQ_ROUNDS MQ_CPURATE MQ_SHARE MQ_LOST MQ_DELIV MQ_DIS \
  MQ_RSS0 MQ_RSS1 MQ_RSS2 MQ_HWM MQ_RSSRUN MQ_OTHER0 MQ_BUSY1 MQ_CLIENT MQ_TOT MQ_PUB

mqtt_label() { case $1 in mqtt-mg) echo mongoose ;; *) echo "$1" ;; esac; }

# VmRSS or VmHWM (KiB) of a server: mqtt_vm NAME FIELD
mqtt_vm() {
  awk -v f="$2:" '$1 == f { print $2 }' /proc/"${SPID[$1]}"/status 2>/dev/null || true
}

mqtt_start() {  # mqtt_start NAME: sets SPID[NAME], MQ_PORT[NAME]
  local name=$1 port pid
  port=$(pick_port)
  MQ_PORT[$name]=$port
  case $name in
    mqtt-mg)
      "${NICE[@]}" taskset -c $SERVER_CPU "$BUILD_DIR/mqtt_broker" -l "127.0.0.1:$port" \
        >"$TMP/$name.log" 2>&1 &
      pid=$! ;;
    mosquitto)
      # One process (mosquitto has no other mode), nothing on disk, the
      # default limits otherwise (max_queued_messages 1000, no
      # max_packet_size, TCP_NODELAY off: ours does not set it either).
      printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
        "$port" >"$TMP/mosquitto.conf"
      "${NICE[@]}" taskset -c $SERVER_CPU "$MOSQUITTO_BIN" -c "$TMP/mosquitto.conf" \
        >"$TMP/$name.log" 2>&1 &
      pid=$! ;;
  esac
  PIDS+=("$pid")
  SPID[$name]=$pid
}

# run_mqtt_load SERVER OUTFILE ARGS...: the generator on the client CPU.
run_mqtt_load() {
  local s=$1 out=$2
  shift 2
  timeout 300 "${NICE[@]}" taskset -c $WRK_CPU "$BUILD_DIR/mqtt_load" -p "${MQ_PORT[$s]}" \
    -w "$MQTT_WINDOW" "$@" >"$out" 2>&1 || true
}
# The value after KEY in a mqtt_load line: mqtt_field FILE KEY
mqtt_field() {
  awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' "$1"
}

# The server answers: every CONNACK and SUBACK, 100 QoS 1 messages to 2
# subscribers, none lost.
mqtt_check() {  # mqtt_check NAME; returns 1 (and sets MQ_DEAD) on failure
  local name=$1 port=${MQ_PORT[$1]} out=$TMP/mqtt-check-$1.out
  for _ in $(seq 1 50); do
    kill -0 "${SPID[$name]}" 2>/dev/null ||
      { MQ_DEAD[$name]="exited at start: $(tail -n 3 "$TMP/$name.log" | tr '\n' '|')"; return 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  run_mqtt_load "$name" "$out" -q 1 -s 2 -n 100 -t 10
  if [ "$(mqtt_field "$out" delivered)" != 200 ] || [ "$(mqtt_field "$out" lost)" != 0 ]; then
    MQ_DEAD[$name]="check run (100 QoS 1 messages to 2 subscribers) failed: $(tr '\n' '|' <"$out")"
    return 1
  fi
  return 0
}

mqtt_bench() {
  local s r sc q n out k0 k1 b0 t0 w0 b1 t1 w1 c0 c1 d rate lost dis ok=()
  MQ_LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
  MQ_T0=$(date +%s)
  mkdir -p "$BUILD_DIR"
  log "bench: MQTT: building mqtt_broker (-O2 -DNDEBUG) and mqtt_load"
  # shellcheck disable=SC2086
  if ! $CC -O2 -DNDEBUG ${BENCH_MG_CFLAGS:-} -I"$ROOT" "$ROOT/examples/mqtt_broker/main.c" \
      "$ROOT/mongoose.c" -o "$BUILD_DIR/mqtt_broker" -lpthread 2>"$TMP/mqtt-build.log"; then
    MQ_DEAD[mqtt-mg]="build failed: $(grep -m3 -E 'error|undefined|No such' "$TMP/mqtt-build.log" | sed 's/^.*: //' | tr '\n' ';')"
    sed -n 1,20p "$TMP/mqtt-build.log" >&2
  fi
  if ! $CC -O2 -o "$BUILD_DIR/mqtt_load" "$ROOT/bench/mqtt_load.c" 2>"$TMP/mqtt-load-build.log"; then
    sed -n 1,20p "$TMP/mqtt-load-build.log" >&2
    die "bench/mqtt_load.c does not build"
  fi
  [ -x "$MOSQUITTO_BIN" ] || MQ_DEAD[mosquitto]="not installed (apt-get install -y mosquitto)"
  for s in "${MQTT_SERVERS[@]}"; do
    [ -n "${MQ_DEAD[$s]:-}" ] || mqtt_start "$s"
  done
  for s in "${MQTT_SERVERS[@]}"; do
    [ -z "${MQ_DEAD[$s]:-}" ] || { log "bench: MQTT: $s left out: ${MQ_DEAD[$s]}"; continue; }
    if mqtt_check "$s"; then
      ok+=("$s")
      MQ_RSS0[$s]=$(mqtt_vm "$s" VmRSS)
      log "bench: MQTT: $s pid ${SPID[$s]} on 127.0.0.1:${MQ_PORT[$s]}, VmRSS ${MQ_RSS0[$s]} KiB"
    else
      log "bench: MQTT: $s left out: ${MQ_DEAD[$s]}"
      stop_pid "${SPID[$s]}"
    fi
  done
  # Memory: MQTT_RSS_COUNT QoS 0 messages, 1 -> 1, then VmRSS.
  if [ "$MQTT_RSS_COUNT" -gt 0 ]; then
    for s in "${ok[@]}"; do
      out=$TMP/mqtt-rss-$s.out
      run_mqtt_load "$s" "$out" -q 0 -s 1 -n "$MQTT_RSS_COUNT" -t 120
      MQ_RSS1[$s]=$(mqtt_vm "$s" VmRSS)
      MQ_RSSRUN[$s]="$(mqtt_field "$out" delivered) delivered, $(mqtt_field "$out" lost) lost, $(fmt_int "$(mqtt_field "$out" msgs_per_s)") msgs/s"
      log "  $s: after $MQTT_RSS_COUNT messages: VmRSS ${MQ_RSS1[$s]} KiB (${MQ_RSSRUN[$s]})"
    done
  fi
  log "bench: MQTT: ${#ok[@]} brokers (${ok[*]}), $ROUNDS rounds of ${MQTT_DUR}s per scenario (+${WARMUP}s warm-up), window $MQTT_WINDOW"
  declare -A tq=() tc=() tt=()
  for sc in "${MQTT_SCENARIOS[@]}"; do
    read -r q n <<<"$sc"
    if [ "$WARMUP" -gt 0 ]; then
      for s in "${ok[@]}"; do run_mqtt_load "$s" "$TMP/mqtt-warm.out" -q "$q" -s "$n" -t "$WARMUP"; done
    fi
    for ((r = 1; r <= ROUNDS; r++)); do
      for s in "${ok[@]}"; do
        [ -z "${MQ_DEAD[$s]:-}" ] || continue
        out=$TMP/mqtt-$s-$q-$n-$r.out
        child_ticks; k0=$CHILD_TICKS
        read -r b0 t0 <<<"$(cpu_stat $SERVER_CPU)"; read -r w0 _ <<<"$(cpu_stat $WRK_CPU)"
        c0=$(cpu_ticks "$s")
        run_mqtt_load "$s" "$out" -q "$q" -s "$n" -t "$MQTT_DUR"
        c1=$(cpu_ticks "$s")
        read -r b1 t1 <<<"$(cpu_stat $SERVER_CPU)"; read -r w1 _ <<<"$(cpu_stat $WRK_CPU)"
        child_ticks; k1=$CHILD_TICKS
        d=$(mqtt_field "$out" delivered); rate=$(mqtt_field "$out" msgs_per_s)
        lost=$(mqtt_field "$out" lost); dis=$(mqtt_field "$out" disorder)
        log "  $s QoS $q 1->$n round $r: ${rate:-?} msgs/s, ${d:-?} delivered, ${lost:-?} lost, ${dis:-?} out of order, cpu $(((c1 - c0) * 1000 / HZ)) ms$(grep -q closed "$out" && echo ', a connection CLOSED')"
        if [ -z "$rate" ]; then
          log "bench: MQTT: $s: mqtt_load said:"; sed 's/^/    /' "$out" >&2
          d=0 lost=0 dis=0
        else
          MQ_ROUNDS[$s,$sc]="${MQ_ROUNDS[$s,$sc]:-} $rate"
        fi
        MQ_DELIV[$s,$sc]=$((${MQ_DELIV[$s,$sc]:-0} + d))
        MQ_LOST[$s,$sc]=$((${MQ_LOST[$s,$sc]:-0} + lost))
        MQ_DIS[$s,$sc]=$((${MQ_DIS[$s,$sc]:-0} + dis))
        tq[$s,$sc]=$((${tq[$s,$sc]:-0} + d))
        tc[$s,$sc]=$((${tc[$s,$sc]:-0} + c1 - c0))
        tt[$s,$sc]=$((${tt[$s,$sc]:-0} + t1 - t0))
        MQ_CLIENT[$s]=$((${MQ_CLIENT[$s]:-0} + k1 - k0))
        MQ_OTHER0[$s]=$((${MQ_OTHER0[$s]:-0} + (b1 - b0) - (c1 - c0)))
        MQ_BUSY1[$s]=$((${MQ_BUSY1[$s]:-0} + w1 - w0))
        MQ_TOT[$s]=$((${MQ_TOT[$s]:-0} + t1 - t0))
        if ! kill -0 "${SPID[$s]}" 2>/dev/null; then
          MQ_DEAD[$s]="died during QoS $q 1->$n round $r: $(tail -n 3 "$TMP/$s.log" | tr '\n' '|')"
          log "bench: MQTT: $s DIED"
        fi
      done
    done
    for s in "${ok[@]}"; do
      [ -n "${MQ_ROUNDS[$s,$sc]:-}" ] || continue
      MQ_RATE[$s,$sc]=$(printf '%s\n' ${MQ_ROUNDS[$s,$sc]} | median)
      if [ "${tc[$s,$sc]}" -gt 0 ]; then
        MQ_CPURATE[$s,$sc]=$(awk -v q="${tq[$s,$sc]}" -v c="${tc[$s,$sc]}" -v hz="$HZ" 'BEGIN { printf "%.0f", q / (c / hz) }')
      fi
      MQ_SHARE[$s,$sc]=$(awk -v c="${tc[$s,$sc]}" -v t="${tt[$s,$sc]}" 'BEGIN { if (t > 0) printf "%.0f", 100 * c / t; else printf "n/a" }')
    done
  done
  for s in "${ok[@]}"; do
    if kill -0 "${SPID[$s]}" 2>/dev/null; then
      MQ_RSS2[$s]=$(mqtt_vm "$s" VmRSS)
      MQ_HWM[$s]=$(mqtt_vm "$s" VmHWM)
    fi
    stop_pid "${SPID[$s]}"
  done
  MQ_LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
  MQ_T1=$(date +%s)
}

# Per-round ratios mg/mosquitto of a scenario: "min-max" (rounds paired).
mqtt_round_ratios() {
  local a b
  read -r -a a <<<"${MQ_ROUNDS[mqtt-mg,$1]:-}"
  read -r -a b <<<"${MQ_ROUNDS[mosquitto,$1]:-}"
  [ ${#a[@]} -gt 0 ] && [ ${#a[@]} = ${#b[@]} ] || { printf 'n/a'; return; }
  for i in "${!a[@]}"; do awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { if (y > 0) printf "%.3f\n", x / y }'; done |
    sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.2f-%.2f", lo, hi; else printf "n/a" }'
}

mqtt_table() {
  local m=mqtt-mg o=mosquitto sc q n s line
  echo
  echo "### MQTT: mongoose (examples/mqtt_broker) beside mosquitto, bench/mqtt_load"
  echo
  echo "- mqtt_load (one thread, poll, its own MQTT 3.1.1 encoder) on CPU $WRK_CPU: one publisher, 64-byte payloads to \`bench/t\`,"
  echo "  at most $MQTT_WINDOW messages ahead of the slowest subscriber (QoS 1: also at most $MQTT_WINDOW without PUBACK); each broker on CPU $SERVER_CPU."
  echo "  $ROUNDS rounds of ${MQTT_DUR}s per broker and scenario, interleaved (+${WARMUP}s warm-up)."
  echo "- mongoose: examples/mqtt_broker, $CC -O2 -DNDEBUG ${BENCH_MG_CFLAGS:+$BENCH_MG_CFLAGS }(default iface); mosquitto $("$MOSQUITTO_BIN" -h 2>/dev/null | awk 'NR == 1 { print $3 }') (one process, persistence false, defaults otherwise)."
  echo "- load average (1/5/15 min) at start: ${MQ_LOAD0:-n/a}; at end: ${MQ_LOAD1:-n/a}; $(( (${MQ_T1:-0} - ${MQ_T0:-0}) / 60 )) min $(( (${MQ_T1:-0} - ${MQ_T0:-0}) % 60 )) s."
  echo
  echo "| MQTT, 64 B | mongoose msgs/s | mosquitto msgs/s | mg/mosquitto (per-round range) | mongoose msgs/CPU-s | mosquitto msgs/CPU-s | mg/mosquitto per CPU-s | broker CPU % mg / mosquitto | lost mg / mosquitto (of delivered) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
  for sc in "${MQTT_SCENARIOS[@]}"; do
    read -r q n <<<"$sc"
    echo "| QoS $q, 1 -> $n | $(fmt_int "${MQ_RATE[$m,$sc]:-}") | $(fmt_int "${MQ_RATE[$o,$sc]:-}") | $(ratio "${MQ_RATE[$m,$sc]:-}" "${MQ_RATE[$o,$sc]:-}") ($(mqtt_round_ratios "$sc")) | $(fmt_int "${MQ_CPURATE[$m,$sc]:-}") | $(fmt_int "${MQ_CPURATE[$o,$sc]:-}") | $(ratio "${MQ_CPURATE[$m,$sc]:-}" "${MQ_CPURATE[$o,$sc]:-}") | ${MQ_SHARE[$m,$sc]:-n/a} / ${MQ_SHARE[$o,$sc]:-n/a} | ${MQ_LOST[$m,$sc]:-n/a} / ${MQ_LOST[$o,$sc]:-n/a} (${MQ_DELIV[$m,$sc]:-n/a} / ${MQ_DELIV[$o,$sc]:-n/a}) |"
  done
  echo
  echo "| broker memory | mongoose | mosquitto |"
  echo "|---|---:|---:|"
  echo "| VmRSS KiB at start | ${MQ_RSS0[$m]:-n/a} | ${MQ_RSS0[$o]:-n/a} |"
  if [ "$MQTT_RSS_COUNT" -gt 0 ]; then
    echo "| VmRSS KiB after $MQTT_RSS_COUNT messages (QoS 0, 1 -> 1) | ${MQ_RSS1[$m]:-n/a} | ${MQ_RSS1[$o]:-n/a} |"
  fi
  echo "| VmRSS KiB after all rounds | ${MQ_RSS2[$m]:-n/a} | ${MQ_RSS2[$o]:-n/a} |"
  echo "| VmHWM KiB (peak) | ${MQ_HWM[$m]:-n/a} | ${MQ_HWM[$o]:-n/a} |"
  echo
  for sc in "${MQTT_SCENARIOS[@]}"; do
    read -r q n <<<"$sc"
    line=
    for s in "${MQTT_SERVERS[@]}"; do
      [ -n "${MQ_ROUNDS[$s,$sc]:-}" ] || continue
      line="$line${line:+; }$(mqtt_label "$s") $(printf '%.0f ' ${MQ_ROUNDS[$s,$sc]})"
      [ "${MQ_DIS[$s,$sc]:-0}" = 0 ] || line="$line(${MQ_DIS[$s,$sc]} out of order) "
    done
    [ -z "$line" ] || echo "- QoS $q 1 -> $n, msgs/s per round: ${line% }"
  done
  if [ "$MQTT_RSS_COUNT" -gt 0 ]; then
    line=
    for s in "${MQTT_SERVERS[@]}"; do
      [ -z "${MQ_RSSRUN[$s]:-}" ] || line="$line${line:+; }$(mqtt_label "$s") ${MQ_RSSRUN[$s]}"
    done
    [ -z "$line" ] || echo "- the memory run ($MQTT_RSS_COUNT messages, QoS 0, 1 -> 1): $line"
  fi
  line=
  for s in "${MQTT_SERVERS[@]}"; do
    if [ -n "${MQ_TOT[$s]:-}" ] && [ "${MQ_TOT[$s]}" -gt 0 ]; then
      line="$line${line:+; }$(mqtt_label "$s") $(awk -v o="${MQ_OTHER0[$s]}" -v b="${MQ_BUSY1[$s]}" -v w="${MQ_CLIENT[$s]}" -v t="${MQ_TOT[$s]}" \
        'BEGIN { o = o < 0 ? 0 : o; b -= w; b = b < 0 ? 0 : b
                 printf "%.0f%% / %.0f%% (mqtt_load %.0f%%)", 100 * o / t, 100 * b / t, 100 * w / t }')"
    fi
  done
  [ -z "$line" ] || echo "- during each broker's timed runs, share of CPU $SERVER_CPU busy with other than the broker / of CPU $WRK_CPU busy with other than mqtt_load: $line"
  for s in "${MQTT_SERVERS[@]}"; do
    [ -z "${MQ_DEAD[$s]:-}" ] || echo "- **$(mqtt_label "$s"): ${MQ_DEAD[$s]}**"
  done
}
