# `exaone info` on malformed model files: the table in tests/bad_inputs/cases.tsv
# (made by tests/bad_inputs/make_bad_inputs.py), then every truncation of a small
# valid safetensors and GGUF file. Each must be a clean error (exit 1, a message
# naming the file) and never a crash.
source tests/scripts/lib.sh
dir=tests/bad_inputs
while IFS=$'\t' read -r file code text; do
    case $file in \#* | "") continue ;; esac
    if [ "$code" -eq 0 ]; then
        expect_output "tensors" $EXAONE info "$dir/$file"
    else
        expect_stderr "$text" "$code" $EXAONE info "$dir/$file"
        # The message names the file.
        grep -qF -- "$dir/$file" "$TMP/err" || _fail "$file: message does not name the file" "$(cat "$TMP/err")"
    fi
done < "$dir/cases.tsv"

# prefix_check FILE MIN_VALID: every prefix shorter than MIN_VALID bytes must fail
# cleanly; longer ones (only trailing padding cut) may succeed.
prefix_check() {
    local src=$1 min_valid=$2 size bad=0 n rc
    size=$(stat -c %s "$src")
    for ((n = 0; n < size; n++)); do
        head -c "$n" "$src" > "$TMP/prefix.${src##*.}"
        $EXAONE info "$TMP/prefix.${src##*.}" > /dev/null 2> "$TMP/err"
        rc=$?
        if [ "$n" -lt "$min_valid" ]; then
            if [ $rc -ne 1 ] || ! grep -q "prefix" "$TMP/err"; then bad=$((bad + 1)); echo "  prefix $n of $src: exit $rc: $(head -c 200 "$TMP/err")"; fi
        elif [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
            bad=$((bad + 1)); echo "  prefix $n of $src: exit $rc"
        fi
    done
    if [ $bad -eq 0 ]; then _pass "every prefix of $src ($size bytes)"; else _fail "prefixes of $src" "$bad bad"; fi
}
prefix_check $dir/st_valid.safetensors "$(stat -c %s $dir/st_valid.safetensors)"
# gguf_valid.gguf: data section at 192, last tensor 'b' at data offset 32 with 8 bytes.
prefix_check $dir/gguf_valid.gguf 232
finish
