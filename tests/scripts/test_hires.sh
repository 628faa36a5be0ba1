# exaone tile / mockup: usage errors, outputs, seam report.
source tests/scripts/lib.sh
expect_output "usage: exaone tile" $EXAONE tile --help
expect_output "usage: exaone mockup" $EXAONE mockup --help
expect_stderr "missing IMG" 2 $EXAONE tile
expect_stderr "NxM" 2 $EXAONE tile --repeat 3 x.png
expect_stderr "garment" 2 $EXAONE mockup --garment sock x.png
expect_exit 2 $EXAONE mockup --bogus x.png
expect_stderr "nowhere.png" 1 $EXAONE tile "$TMP/nowhere.png"
expect_stderr "missing PATTERN" 2 $EXAONE mockup
printf 'not a png' > "$TMP/bad.png"
expect_stderr "bad.png" 1 $EXAONE mockup "$TMP/bad.png"
expect_stderr "--size wants WxH" 2 $EXAONE draw --size 100x7 "blue waves"
expect_stderr "--size wants WxH" 2 $EXAONE draw --size 8192x64 --tile "blue waves"
expect_output "usage: exaone edit" $EXAONE edit --help
expect_output "usage: exaone vary" $EXAONE vary --help
expect_stderr "missing IMG" 2 $EXAONE edit
expect_stderr "give --mask" 2 $EXAONE edit x.png "sea"
expect_stderr "--outpaint wants" 2 $EXAONE edit --outpaint left=7 x.png "sea"
expect_stderr "--outpaint wants" 2 $EXAONE edit --outpaint middle=8 x.png "sea"
expect_stderr "bad.png" 1 $EXAONE edit --mask "$TMP/bad.png" "$TMP/bad.png" "sea"
expect_stderr "bad.png" 1 $EXAONE vary "$TMP/bad.png"
# a digest of a PNG's pixels (its inflated IDAT data), whatever its text chunks
png_pixels() {
    /usr/bin/python3 -c '
import hashlib, struct, sys, zlib
b = open(sys.argv[1], "rb").read()
i, idat = 8, b""
while i + 8 <= len(b):
    n, kind = struct.unpack(">I4s", b[i:i + 8])
    if kind == b"IDAT": idat += b[i + 8:i + 8 + n]
    i += 12 + n
print(hashlib.sha256(zlib.decompress(idat)).hexdigest() if idat else "none")' "$1" 2>/dev/null || echo error
}
M=build/tmp/hires/random
if [ -f $M/vq.safetensors ]; then
    expect_exit 0 $EXAONE draw -m $M --size 64x64 -o "$TMP/small.png" "sea"
    expect_exit 0 $EXAONE draw -m $M --size 128x64 -o "$TMP/wide.png" "sea"
    expect_stderr "must match the picture" 1 $EXAONE edit -m $M --mask "$TMP/small.png" "$TMP/wide.png" "sea"
    expect_exit 0 $EXAONE vary -m $M -n 2 -o "$TMP/v.png" "$TMP/wide.png"
    if [ -f "$TMP/v-1.png" ] && [ -f "$TMP/v-2.png" ] && ! cmp -s "$TMP/v-1.png" "$TMP/v-2.png"; then
        _pass "vary -n 2 writes two different variations"
    else _fail "vary -n 2 writes two different variations"; fi
    # --codes-only with --size prints the grid file; vq decode turns a grid of
    # more than 64x64 codes into the same pixels draw writes (both tile it)
    expect_exit 0 $EXAONE draw -m $M --f32 --size 520x520 --seed 5 -o "$TMP/big.png" "sea"
    $EXAONE draw -m $M --f32 --size 520x520 --seed 5 --codes-only "sea" > "$TMP/big.codes" 2>/dev/null
    if [ "$(head -1 "$TMP/big.codes")" = "65 65" ] && [ "$(wc -l < "$TMP/big.codes")" = 66 ]; then
        _pass "draw --size --codes-only prints a 65x65 grid file"
    else _fail "draw --size --codes-only prints a 65x65 grid file" "$(head -c 200 "$TMP/big.codes")"; fi
    expect_exit 0 $EXAONE vq decode -m $M/vq.safetensors -o "$TMP/big-vq.png" "$TMP/big.codes"
    digest=$(png_pixels "$TMP/big.png")
    if [ ${#digest} = 64 ] && [ "$digest" = "$(png_pixels "$TMP/big-vq.png")" ]; then
        _pass "vq decode of draw's codes gives draw's pixels"
    else _fail "vq decode of draw's codes gives draw's pixels"; fi
    # the same with bf16 products (draw's default) and vq decode --bf16
    $EXAONE draw -m $M --size 520x520 --seed 6 -o "$TMP/big16.png" "sea" 2>/dev/null
    $EXAONE draw -m $M --size 520x520 --seed 6 --codes-only "sea" > "$TMP/big16.codes" 2>/dev/null
    expect_exit 0 $EXAONE vq decode --bf16 -m $M/vq.safetensors -o "$TMP/big16-vq.png" "$TMP/big16.codes"
    digest=$(png_pixels "$TMP/big16.png")
    if [ ${#digest} = 64 ] && [ "$digest" = "$(png_pixels "$TMP/big16-vq.png")" ] &&
        [ "$digest" != "$(png_pixels "$TMP/big-vq.png")" ]; then
        _pass "vq decode --bf16 of draw's codes gives draw's (bf16) pixels"
    else _fail "vq decode --bf16 of draw's codes gives draw's (bf16) pixels"; fi
else
    skip "edit/vary outputs (run test_hires first)"
fi
finish
