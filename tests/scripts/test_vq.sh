# exaone vq: usage errors, then a tiny end-to-end run (train 3 steps on 16x16
# PNGs, encode, decode, eval) checking the files and formats it produces.
source tests/scripts/lib.sh
expect_output "usage: exaone vq" $EXAONE vq --help
expect_exit 2 $EXAONE vq
expect_stderr "unknown subcommand" 2 $EXAONE vq frobnicate
expect_stderr "unknown option" 2 $EXAONE vq encode --no-such-flag x.png
expect_stderr "required" 2 $EXAONE vq train --data "$TMP"
expect_stderr "required" 2 $EXAONE vq decode codes.txt
expect_stderr "no/such/model" 1 $EXAONE vq encode tests/scripts/lib.sh -m "$TMP/no/such/model.safetensors"

# 48 random 16x16 RGBA PNGs (stdlib only: zlib + struct).
mkdir -p "$TMP/img"
/usr/bin/python3 - "$TMP/img" <<'PY'
import os, random, struct, sys, zlib
random.seed(5)
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
for i in range(48):
    rows = b"".join(b"\0" + bytes(random.randrange(256) for _ in range(16 * 4)) for _ in range(16))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 6, 0, 0, 0)) + \
          chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    open(os.path.join(sys.argv[1], "e%02d.png" % i), "wb").write(png)
PY
tiny="--size 16 --ch 8 --groups 4 --codebook 16 --code-dim 4 --batch 2 --eval-every 0"
expect_exit 0 $EXAONE vq train --data "$TMP/img" --out "$TMP/run" --steps 3 $tiny
for f in vq.safetensors checkpoint.safetensors loss.csv; do
    if [ -s "$TMP/run/$f" ]; then _pass "train wrote $f"; else _fail "train wrote $f"; fi
done
if [ "$(wc -l < "$TMP/run/loss.csv")" -eq 4 ] && head -1 "$TMP/run/loss.csv" | grep -q '^step,loss'; then _pass "loss.csv has a header and 3 steps"
else _fail "loss.csv has a header and 3 steps" "$(cat "$TMP/run/loss.csv")"; fi
# resume: 2 more steps continue the log instead of restarting it
expect_exit 0 $EXAONE vq train --data "$TMP/img" --out "$TMP/run" --steps 5 $tiny
if [ "$(tail -1 "$TMP/run/loss.csv" | cut -d, -f1)" = 5 ] && [ "$(wc -l < "$TMP/run/loss.csv")" -eq 6 ]; then _pass "resume continues at step 4"
else _fail "resume continues at step 4" "$(cat "$TMP/run/loss.csv")"; fi

# Stopped at step 3 and resumed == uninterrupted, to the last bit: same losses and the
# same final checkpoint. --dead-after 1 restarts codes every step, so the restart
# generator and code usage must come back from the checkpoint too.
exact="--steps 8 --dead-after 1 $tiny"
expect_exit 0 $EXAONE vq train --data "$TMP/img" --out "$TMP/straight" $exact
expect_exit 0 $EXAONE vq train --data "$TMP/img" --out "$TMP/resumed" $exact --stop-after 3
# a crash after the checkpoint leaves rows of steps to be redone: resume must drop them
echo "4,9,9,9,9,9,9,9,nan" >> "$TMP/resumed/loss.csv"
expect_exit 0 $EXAONE vq train --data "$TMP/img" --out "$TMP/resumed" $exact
losses() { cut -d, -f1-7,9 "$1/loss.csv"; }
if [ "$(losses "$TMP/straight")" = "$(losses "$TMP/resumed")" ] && [ "$(wc -l < "$TMP/resumed/loss.csv")" -eq 9 ]; then
    _pass "stopped + resumed VQ run has the uninterrupted run's losses"
else _fail "stopped + resumed VQ run has the uninterrupted run's losses" "$(diff <(losses "$TMP/straight") <(losses "$TMP/resumed"))"; fi
if cmp -s "$TMP/straight/checkpoint.safetensors" "$TMP/resumed/checkpoint.safetensors"; then _pass "resumed VQ checkpoint is byte-identical"
else _fail "resumed VQ checkpoint is byte-identical"; fi

model="$TMP/run/vq.safetensors"
expect_exit 0 $EXAONE vq encode "$TMP/img/e03.png" -m "$model" -o "$TMP/codes.txt"
# f8 on 16x16 -> a 2x2 grid of codes in 0..15
if /usr/bin/python3 -c "
import sys; t = open(sys.argv[1]).read().split()
assert t[:2] == ['2', '2'] and len(t) == 6 and all(0 <= int(v) < 16 for v in t[2:])" "$TMP/codes.txt"; then _pass "codes file: header + 2x2 codes"
else _fail "codes file: header + 2x2 codes" "$(cat "$TMP/codes.txt")"; fi
expect_output "2 2" $EXAONE vq encode "$TMP/img/e03.png" -m "$model"
expect_exit 0 $EXAONE vq decode "$TMP/codes.txt" -m "$model" -o "$TMP/out.png"
if /usr/bin/python3 -c "
import struct, sys; d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n' and struct.unpack('>II', d[16:24]) == (16, 16)" "$TMP/out.png"; then _pass "decode wrote a 16x16 PNG"
else _fail "decode wrote a 16x16 PNG"; fi
printf '1 2\n3 99\n' > "$TMP/bad_codes.txt"
expect_stderr "not in 0..15" 1 $EXAONE vq decode "$TMP/bad_codes.txt" -m "$model" -o "$TMP/bad.png"
printf '2 2\n1 2 3\n4 5\n' > "$TMP/long_row.txt"
expect_stderr "long_row.txt: line 2 has more than 2 codes" 1 $EXAONE vq decode "$TMP/long_row.txt" -m "$model" -o "$TMP/bad.png"
# a header the model's f8 cannot decode (> 8192 pixels) is refused before anything is allocated
printf '1025 1\n0\n' > "$TMP/huge_grid.txt"
expect_stderr "1025 x 1 code grid is not within 1..1024" 1 $EXAONE vq decode "$TMP/huge_grid.txt" -m "$model" -o "$TMP/bad.png"
expect_output "psnr_db" $EXAONE vq eval --data "$TMP/img" -m "$model" --size 16 --grid "$TMP/grid.png"
finish
