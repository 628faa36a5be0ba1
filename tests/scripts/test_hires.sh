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
finish
