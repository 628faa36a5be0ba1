#!/usr/bin/env bash
# tools/tune-demo-mini.sh — demonstration (b) of issue 11: EXAONE-mini learns a new pattern
# style from 40 images with a LoRA adapter, checked on 10 held-out prompts.
#
# The style is one the model never saw: flat geometric patterns in a fixed "house" palette
# (cream, coral, teal, navy), drawn by our own code (tools/style-patterns.py: 10 motifs x 5
# palette/scale variants = 50 images; one variant of every motif is held out, so the 10
# held-out prompts are word combinations never trained on). Measured before vs after:
#   held-out loss      mean per-token NLL of the held-out pairs, both directions (exaone tune --eval)
#   retrieval          rank of the true prompt among the 10 held-out prompts by the model's own
#                      log p(prompt | image) (exaone score, several --text)
#   palette fit        share of pixels of the drawings (seed 0) within RGB distance 48 of the palette
#   nearest style      mean |pixel difference| of a drawing to the closest of the 50 style images
# and a grid PNG: before / after / reference, one column per held-out prompt.
#   bash tools/tune-demo-mini.sh [OUTDIR]        (EPOCHS=30 THREADS=2 MODEL=models/exaone-mini)
set -u
cd "$(dirname "$0")/.."
make -s -j2 exaone >/dev/null || exit 1
OUT=${1:-build/demo-tune-mini}
MODEL=${MODEL:-models/exaone-mini}
EPOCHS=${EPOCHS:-30}
THREADS=${THREADS:-2}
rm -rf $OUT/scores $OUT/draw && mkdir -p $OUT/scores $OUT/draw
/usr/bin/python3 tools/style-patterns.py $OUT/data || exit 1
./exaone tune -m $MODEL --data $OUT/data/train --eval $OUT/data/heldout -o $OUT/adapter --epochs $EPOCHS \
    --seed 0 -t $THREADS | tee $OUT/tune.txt || exit 1
mapfile -t files < <(cut -f1 $OUT/data/heldout/prompts.tsv)
mapfile -t prompts < <(cut -f2 $OUT/data/heldout/prompts.tsv)
texts=()
for p in "${prompts[@]}"; do texts+=(--text "$p"); done
for i in "${!files[@]}"; do
    img=$OUT/data/heldout/${files[$i]}
    ./exaone score -m $MODEL --image $img "${texts[@]}" > $OUT/scores/before_$i.txt || exit 1
    ./exaone score -m $MODEL --lora $OUT/adapter --image $img "${texts[@]}" > $OUT/scores/after_$i.txt || exit 1
    ./exaone draw -m $MODEL --seed 0 -o $OUT/draw/before_$i.png "${prompts[$i]}" > /dev/null 2>&1 || exit 1
    ./exaone draw -m $MODEL --lora $OUT/adapter --seed 0 -o $OUT/draw/after_$i.png "${prompts[$i]}" > /dev/null 2>&1 || exit 1
done
sed -n 's/.*eval_t2i_before=\([0-9.]*\) eval_t2i_after=\([0-9.]*\) eval_i2t_before=\([0-9.]*\) eval_i2t_after=\([0-9.]*\).*/held-out loss per token: drawing (t2i) \1 -> \2, captioning (i2t) \3 -> \4/p' $OUT/tune.txt
/usr/bin/python3 tools/tune-demo-mini.py $OUT ${GRID:-$OUT/grid.png}
