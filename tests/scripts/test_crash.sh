# Crash safety, short form of tools/crash-test: SIGKILL `exaone train` (checkpoint every
# step) and `exaone quantize` at random points; files left must be old-complete or
# new-complete and the resumed training must end with the uninterrupted loss exactly.
source tests/scripts/lib.sh
for part in train quantize; do
    if ! $EXAONE $part --help > /dev/null 2>&1; then skip "crash-test $part (no 'exaone $part' command)"; continue; fi
    if [ $part = quantize ] && [ ! -f build/ref/exaone_ref/exaone4_hybrid/config.json ]; then
        skip "crash-test quantize (no build/ref/exaone_ref model; made by test_llm)"; continue
    fi
    if EXAONE=$EXAONE KILLS=${CRASH_KILLS:-8} SEED=$RANDOM tools/crash-test $part > "$TMP/ct" 2>&1; then _pass "$(tail -n 1 "$TMP/ct")"
    else _fail "crash-test $part" "$(tail -n 5 "$TMP/ct")"; fi
done
finish
