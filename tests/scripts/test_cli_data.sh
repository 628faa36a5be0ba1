# `exaone data`: help, usage errors, a missing cache, and `data sample` on a
# hand-made image pack (the pack layout of src/data/image_pack.h).
source tests/scripts/lib.sh
expect_output "usage: exaone data prepare" $EXAONE data --help
expect_output "usage: exaone data prepare" $EXAONE data prepare --help
expect_stderr "unknown option" 2 $EXAONE data prepare --bogus
expect_stderr "unknown option" 2 $EXAONE data frobnicate
expect_exit 2 $EXAONE data
expect_stderr "fetch-data" 1 $EXAONE data prepare --cache "$TMP/no-cache" --out "$TMP/out"
expect_stderr "needs PACK.bin" 2 $EXAONE data sample
expect_stderr "$TMP/missing.bin" 1 $EXAONE data sample "$TMP/missing.bin" "$TMP/grid.png"
printf 'not a pack' > "$TMP/bad.bin"
expect_stderr "not an image pack" 1 $EXAONE data sample "$TMP/bad.bin" "$TMP/grid.png"
expect_stderr "from 1 to 1024" 2 $EXAONE data sample "$TMP/bad.bin" "$TMP/grid.png" --count 0
# A pack of two 2x2 images -> a grid of 4 samples with gap 2: 2 columns of 2+2 -> 10x10.
printf 'EXIMGP01\x02\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$TMP/tiny.bin"
head -c 24 /dev/zero | tr '\0' '\377' >> "$TMP/tiny.bin"
expect_output "row" $EXAONE data sample "$TMP/tiny.bin" "$TMP/grid.png" --count 4 --columns 2
if [ -f "$TMP/grid.png" ] && [ "$(head -c 8 "$TMP/grid.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
    w=$(od -An -tu1 -j16 -N8 "$TMP/grid.png" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
    if [ "$w" = "10 10" ]; then _pass "sample grid is a 10x10 PNG"; else _fail "sample grid size" "got $w"; fi
else
    _fail "sample grid written" "no PNG at $TMP/grid.png"
fi
finish
