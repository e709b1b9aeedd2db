#!/usr/bin/env bash
# scripts/fuzz.sh [--test] SECONDS TARGET...
#
# Runs each libFuzzer target of build/fuzz for SECONDS, one after the other
# (the machine is shared), and prints a table: target, runs, execs/s, corpus
# size, crashes. Each target starts from its committed seeds (fuzz/corpus/T)
# and the corpus it grew before (build/fuzz/corpus/T, which is where new
# inputs go); crashes, leaks, UB and timeouts are written to
# build/fuzz/crashes/T/. Exits 1 if any target found one.
#
# --test: the short run of `make test`: seeds only (nothing is kept), and the
# log of a failing target is printed.
set -uo pipefail
cd "$(dirname "$0")/.."

test_mode=0
if [ "${1:-}" = --test ]; then test_mode=1; shift; fi
seconds=${1:?seconds}; shift

out=build/fuzz
failed=0
rows=()
for t in "$@"; do
    bin=$out/fuzz_$t
    seeds=fuzz/corpus/$t
    crashes=$out/crashes/$t
    log=$out/logs/$t.log
    mkdir -p "$crashes" "$out/logs" "$seeds"
    if [ $test_mode = 1 ]; then
        work=$(mktemp -d)
    else
        work=$out/corpus/$t
        mkdir -p "$work"
    fi
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384
          -print_final_stats=1 -artifact_prefix="$crashes/")
    [ -f fuzz/dict/$t.dict ] && args+=(-dict=fuzz/dict/$t.dict)
    before=$(ls "$crashes" | wc -l)
    "$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    after=$(ls "$crashes" | wc -l)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    found=$((after - before))
    if [ $rc != 0 ] && [ $found = 0 ]; then found=1; fi   # died without an artifact
    rows+=("$(printf '%-28s %10s %9s %7s %8s' "$t" "${runs:-?}" "${speed:-?}" "${corpus:-?}" "$found")")
    if [ $found != 0 ]; then
        failed=1
        if [ $test_mode = 1 ]; then
            echo "fuzz target $t failed (log: $log):"
            grep -A30 -m1 'ERROR\|fuzz check failed\|runtime error' "$log" | head -n 60
        fi
    fi
    [ $test_mode = 1 ] && rm -rf "$work"
done

printf '%-28s %10s %9s %7s %8s\n' target runs execs/s corpus crashes
printf '%s\n' "${rows[@]}"
if [ $failed = 1 ]; then
    echo "fuzzing found problems: see build/fuzz/crashes/ and build/fuzz/logs/"
    exit 1
fi
