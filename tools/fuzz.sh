#!/usr/bin/env bash
# Coverage-guided fuzzing of the libFuzzer targets in test/fuzz/.
#
#   tools/fuzz.sh run   [TARGET...]  fuzz each target (all when none given)
#   tools/fuzz.sh merge [TARGET...]  fold the run's finds into the committed
#                                    corpus, keeping only inputs that add
#                                    coverage (libFuzzer -merge=1)
#
# Environment: FUZZ_TIME (seconds per target, default 30), FUZZ_RUNS
# (executions per target, default unlimited: whichever limit comes first
# ends the target), BUILD (default build). A run never writes into
# test/fuzz/corpus: new inputs go to $BUILD/fuzz/corpus_NAME, crashes to
# $BUILD/fuzz/artifacts_NAME/, the libFuzzer output to
# $BUILD/fuzz/log_NAME.txt. At the end a table gives, per target, the
# executions, seconds, coverage (edges) and features, and whether it found
# anything; the exit status is 1 when any target found a crash, a leak or
# undefined behaviour.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FUZZ_TIME=${FUZZ_TIME:-30}
FUZZ_RUNS=${FUZZ_RUNS:--1}
OUT=$BUILD/fuzz
mode=${1:-run}
[ $# -gt 0 ] && shift
targets="$*"
[ -n "$targets" ] ||
  targets=$(ls test/fuzz/fuzz_*.c | sed 's|test/fuzz/fuzz_||; s|\.c$||')
mkdir -p "$OUT"

build() { # NAME
  local lib=mongoose.c
  grep -q '"../../mongoose.c"' "test/fuzz/fuzz_$1.c" && lib=
  clang -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -I. "test/fuzz/fuzz_$1.c" $lib \
    -o "$OUT/fuzz_$1" -lpthread
}

case $mode in
run)
  bad=0
  rows=""
  for n in $targets; do
    build "$n" || exit 1
    rm -rf "$OUT/artifacts_$n"
    mkdir -p "$OUT/corpus_$n" "$OUT/artifacts_$n"
    echo "fuzz_$n: up to $FUZZ_RUNS runs / $FUZZ_TIME s" >&2
    "$OUT/fuzz_$n" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_TIME" \
      -artifact_prefix="$OUT/artifacts_$n/" -print_final_stats=1 \
      "$OUT/corpus_$n" "test/fuzz/corpus/$n" > "$OUT/log_$n.txt" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
      "$OUT/log_$n.txt" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' \
      "$OUT/log_$n.txt" | tail -1)
    last=$(grep -E '^#[0-9]+' "$OUT/log_$n.txt" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    found=none
    if [ $rc -ne 0 ] || ls "$OUT/artifacts_$n"/* > /dev/null 2>&1; then
      found="FOUND (rc $rc, see $OUT/log_$n.txt)"
      bad=1
    fi
    rows="$rows$(printf '%-14s %12s %6s %6s %7s  %s' "$n" "${execs:-?}" \
      "${secs:-?}" "${cov:-?}" "${ft:-?}" "$found")
"
  done
  printf '%-14s %12s %6s %6s %7s  %s\n' target execs secs cov ft findings
  printf '%s' "$rows"
  exit $bad
  ;;
merge)
  for n in $targets; do
    [ -x "$OUT/fuzz_$n" ] || build "$n" || exit 1
    [ -d "$OUT/corpus_$n" ] || { echo "no run for $n" >&2; continue; }
    # The committed seeds stay (they are named regression inputs); of the
    # run's finds only those that add coverage to them are added.
    rm -rf "$OUT/merged_$n"
    mkdir -p "$OUT/merged_$n"
    cp test/fuzz/corpus/"$n"/* "$OUT/merged_$n/"
    before=$(ls "$OUT/merged_$n" | wc -l)
    "$OUT/fuzz_$n" -merge=1 "$OUT/merged_$n" "$OUT/corpus_$n" \
      > "$OUT/merge_$n.txt" 2>&1 || { echo "merge $n failed" >&2; exit 1; }
    cp -n "$OUT/merged_$n"/* "test/fuzz/corpus/$n/"
    echo "$n: $before seeds, $(ls "test/fuzz/corpus/$n" | wc -l) after merge"
  done
  ;;
*)
  echo "usage: $0 run|merge [TARGET...]" >&2
  exit 2
  ;;
esac
