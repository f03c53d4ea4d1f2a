#!/usr/bin/env bash
# Runs test binaries and prints one closing line
# "tests: N passed, N failed, N skipped".
# Usage: run_tests.sh [CMOCKA_BINARY...] [-- REPLAY_BINARY:CORPUS_DIR...]
# Each cmocka binary runs once (under valgrind when VALGRIND=1) with a time
# limit; each replay binary runs over every file of its corpus. Exits 1 if
# anything failed.
# A test skips (cmocka skip()) when a peer it needs is missing. With
# CI=true a skip is a failure as well: CI installs every peer, so a skip
# there means a broken setup. The skipped tests then count as failed (and
# still as skipped), and the binary goes into the failure list.
set -u
passed=0 failed=0 skipped=0 failures=""
limit=${TEST_TIMEOUT:-600}
vg=()
if [ "${VALGRIND:-0}" = 1 ]; then
  vg=(valgrind -q --error-exitcode=99 --leak-check=full
      --errors-for-leak-kinds=definite,indirect,possible
      --show-leak-kinds=definite,indirect,possible)
fi
# TEST_RUNNER runs every binary through an emulator (make test-cross:
# "qemu-arm -L /usr/arm-linux-gnueabihf").
if [ -n "${TEST_RUNNER:-}" ]; then
  read -r -a runner <<<"$TEST_RUNNER"
  vg=("${runner[@]}" "${vg[@]}")
fi
mode=cmocka
for arg in "$@"; do
  if [ "$arg" = -- ]; then mode=replay; continue; fi
  if [ $mode = cmocka ]; then
    echo "=== $arg"
    out=$(timeout "$limit" "${vg[@]}" "$arg" 2>&1); rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' | tail -n 1)
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
    skipped=$((skipped + ${s:-0}))
    if [ $rc -ne 0 ] && [ "${f:-0}" = 0 ]; then
      failed=$((failed + 1)); failures="$failures $arg(exit $rc)"
    elif [ "${f:-0}" != 0 ]; then
      failures="$failures $arg"
    fi
    if [ "${CI:-}" = true ] && [ "${s:-0}" != 0 ]; then
      failed=$((failed + s)); failures="$failures $arg(${s} skipped)"
    fi
  else
    bin=${arg%%:*} dir=${arg#*:}
    echo "=== $bin over $dir"
    if timeout "$limit" "${vg[@]}" "$bin" "$dir"/*; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); failures="$failures $bin"
    fi
  fi
done
[ -n "$failures" ] && echo "failed:$failures"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
