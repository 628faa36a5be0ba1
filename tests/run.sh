#!/usr/bin/env bash
# tests/run.sh — runs the whole suite from the repository root and ends with
# the line "N passed, N failed, N skipped".
#   unit tests:   build/tests/test_*       (C, tests/harness.h)
#   script tests: tests/scripts/test_*.sh  (CLI, end to end; print harness lines too)
# TESTS=pattern runs only the matching ones.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0 failed_names=()
run_one() {
    local name=$1; shift
    local log="build/logs/$name.log"
    mkdir -p build/logs build/tests build/tmp  # scratch space tests write to, even when only build-asan/ was built
    local start=$SECONDS
    "$@" > "$log" 2>&1
    local rc=$?
    local line
    line=$(grep -E '^harness: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    local p=0 f=0 s=0
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^harness: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
        s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/')
    fi
    # A binary that crashed or exited non-zero without reporting a failure still fails.
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ -z "$line" ] && [ $rc -eq 0 ]; then f=1; echo "  $name printed no harness line"; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    printf '%-32s %4d passed %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - start))
    if [ "$f" -ne 0 ]; then
        failed_names+=("$name")
        grep -E '^(FAIL|  )' "$log" | head -n 40
        [ $rc -gt 128 ] && echo "  (killed by signal $((rc - 128)))"
        tail -n 5 "$log"
    fi
    grep -E '^skip ' "$log" | head -n 5
}
pattern=${TESTS:-}
for bin in ${TEST_BUILD:-build}/tests/test_* ${TEST_BUILD:-build}/tests/replay_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    [ -n "$pattern" ] && [[ "$name" != *$pattern* ]] && continue
    run_one "$name" "$bin"
done
for script in tests/scripts/test_*.sh; do
    [ -f "$script" ] || continue
    name=$(basename "$script" .sh)
    [ -n "$pattern" ] && [[ "$name" != *$pattern* ]] && continue
    run_one "$name" bash "$script"
done
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
