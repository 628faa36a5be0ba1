#!/usr/bin/env bash
# tools/tune-demo-text.sh — demonstration (a) of issue 11: a small EXAONE-4.0-architecture
# model learns, from 200 LoRA examples, to answer every question with a fixed JSON object
# naming the question's language: {"lang": "ko"} for Korean, {"lang": "en"} for English.
# Held-out check: 60 questions built from words never seen in training; accuracy = the
# greedy answer (exaone chat --temp 0) is exactly the right JSON, before vs after.
# Base: the tiny random exaone4_full checkpoint of tests/ref/exaone_ref.py (2 layers,
# d=64, the real EXAONE-4.0 tokenizer and chat template).
#   bash tools/tune-demo-text.sh [OUTDIR]
set -u
cd "$(dirname "$0")/.."
make -s -j2 exaone >/dev/null || exit 1
REF=build/ref/exaone_ref
if [ ! -f $REF/.done ]; then
    mkdir -p $REF && /usr/bin/python3 tests/ref/exaone_ref.py $REF > /dev/null && touch $REF/.done
fi
M=$REF/exaone4_full
OUT=${1:-build/demo-tune-text}
mkdir -p $OUT
/usr/bin/python3 - $OUT <<'PY'
import json, random, sys
out = sys.argv[1]
rng = random.Random(7)
en = ("apple river mountain music window garden teacher letter ocean winter bridge candle forest "
      "engine market planet silver thunder violin island doctor camera jacket lemon marble needle "
      "orange pepper rabbit saddle tiger umbrella valley wallet yellow zebra anchor basket castle "
      "dragon feather glacier harbor insect jungle kettle ladder meadow nephew oyster pillow quartz").split()
ko = ("사과 강 산 음악 창문 정원 선생님 편지 바다 겨울 다리 양초 숲 엔진 시장 행성 은 천둥 바이올린 섬 "
      "의사 카메라 재킷 레몬 대리석 바늘 오렌지 후추 토끼 안장 호랑이 우산 계곡 지갑 노랑 얼룩말 닻 바구니 "
      "성 용 깃털 빙하 항구 곤충 정글 주전자 사다리 초원 조카 굴 베개 석영").split()
en_t = ["What is a {}?", "Tell me about the {}.", "Where can I find a {}?", "Why is the {} important?",
        "Describe a {} in one line.", "How big is a {}?"]
ko_t = ["{}은 무엇인가요?", "{}에 대해 알려주세요.", "{}은 어디에 있나요?", "{}이 왜 중요한가요?",
        "{}을 한 줄로 설명해 주세요.", "{}은 얼마나 큰가요?"]
def split(words):
    w = words[:]
    rng.shuffle(w)
    return w[:36], w[36:]
en_tr, en_te = split(en)
ko_tr, ko_te = split(ko)
def conv(q, lang):
    return {"messages": [{"role": "user", "content": q},
                         {"role": "assistant", "content": json.dumps({"lang": lang})}]}
train = []
for i in range(200):
    if i % 2:
        train.append(conv(rng.choice(en_t).format(rng.choice(en_tr)), "en"))
    else:
        train.append(conv(rng.choice(ko_t).format(rng.choice(ko_tr)), "ko"))
held = [conv(t.format(w), "en") for w in en_te for t in en_t[:3]][:30] + \
       [conv(t.format(w), "ko") for w in ko_te for t in ko_t[:3]][:30]
for name, rows in (("train", train), ("held", held)):
    with open(f"{out}/{name}.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
accuracy() { # $1: extra chat flags
    local ok=0 n=0
    while IFS= read -r line; do
        q=$(printf '%s' "$line" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["content"])')
        want=$(printf '%s' "$line" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][1]["content"])')
        got=$(./exaone chat -m $M $1 -p "$q" --temp 0 -n 16 -t 1 2>/dev/null)
        n=$((n + 1))
        [ "$got" = "$want" ] && ok=$((ok + 1))
    done < $OUT/held.jsonl
    echo "$ok/$n"
}
before=$(accuracy "")
./exaone tune -m $M --data $OUT/train.jsonl --eval $OUT/held.jsonl -o $OUT/adapter --targets all --rank 8 \
    --alpha 16 --lr 5e-3 --epochs 8 --batch 8 --seed 1 -t 2 > $OUT/tune.out 2> $OUT/tune.err || { cat $OUT/tune.err; exit 1; }
after=$(accuracy "--lora $OUT/adapter")
echo "held-out exact-JSON accuracy: before $before, after $after"
cat $OUT/tune.out
echo "loss curve: $OUT/adapter/loss.png"
