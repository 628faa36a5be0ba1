#!/usr/bin/python3
"""tools/tune-demo-mini-text.py — demonstration (a) of issue 11 on a text model trained by
our trainer: EXAONE-mini's translation side learns a house style of Korean from 200 text
pairs with a LoRA adapter, checked on 60 held-out pairs.

The house style: English -> Korean answers always as a formal polite sentence (합쇼체),
the name followed by the copula 입니다 and a full stop ("red apple" -> "빨간 사과입니다.").
The base model answers with bare noun phrases (the emoji names and UI strings it was
trained on). Pairs: the emoji names (emojibase) of the prepared dataset's test split
(~/.cache/exaone/dataset/pairs.tsv), minus any English name that EXAONE-mini's training
split has as a translation pair (its raw/train.tsv, when present): the model never saw
them. 60 are held out; of the rest, 150 tune the style (English -> styled Korean) and 50
more, reversed, keep Korean -> English as it was (plain English targets: the style is for
Korean answers only; without them the adapter also appends 입니다 to English answers). Measured before vs after on the 60
held-out English names (exaone translate, default beam search):
  style        share of answers that are "<phrase>입니다." (the new behaviour)
  content      chrF (char 1-6-grams, beta 2) of <phrase> against the reference name
  KO -> EN     chrF of the reverse direction on the same 60 pairs, and how many of those
               English answers wrongly take the Korean style (side effects)
  held-out loss  mean per-token NLL of the styled held-out targets (exaone tune --eval)
  python3 tools/tune-demo-mini-text.py [OUTDIR]   (MODEL=models/exaone-mini THREADS=2 EPOCHS=8)
"""
import json, os, random, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
OUT = sys.argv[1] if len(sys.argv) > 1 else "build/demo-tune-text"
MODEL = os.environ.get("MODEL", "models/exaone-mini")
THREADS = os.environ.get("THREADS", "2")
EPOCHS = os.environ.get("EPOCHS", "8")
PAIRS = os.path.expanduser("~/.cache/exaone/dataset/pairs.tsv")
MINI_TRAIN = os.path.join(os.environ.get("EXAONE_MINI_WORK", os.path.expanduser("~/.cache/exaone/mini")),
                          "raw/train.tsv")
SUFFIX = "입니다."


def chrf(hyp, ref, n_max=6, beta=2.0):
    """chrF (Popović 2015) as sacrebleu computes it by default: character n-grams 1..6
    without spaces, precision and recall averaged over n, F-beta with beta 2."""
    h, r = hyp.replace(" ", ""), ref.replace(" ", "")
    precisions, recalls = [], []
    for n in range(1, n_max + 1):
        hg = [h[i:i + n] for i in range(len(h) - n + 1)]
        rg = [r[i:i + n] for i in range(len(r) - n + 1)]
        if not hg or not rg:
            continue
        counts = {}
        for g in rg:
            counts[g] = counts.get(g, 0) + 1
        match = 0
        for g in hg:
            if counts.get(g, 0) > 0:
                counts[g] -= 1
                match += 1
        precisions.append(match / len(hg))
        recalls.append(match / len(rg))
    if not precisions:
        return 0.0
    p, rc = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    return 0.0 if p + rc == 0 else 100 * (1 + beta**2) * p * rc / (beta**2 * p + rc)


def usable(en, ko):
    """A name the style can wrap: Korean with Hangul, no sentence ending already."""
    if not re.search(r"[가-힣]", ko) or re.search(r"[.!?%]", en + ko):
        return False
    return not re.search(r"(다|요)$", ko)


def translate(text, to, lora=None):
    cmd = ["./exaone", "translate", "-m", MODEL, "--to", to, "--threads", "1"]
    if lora:
        cmd += ["--lora", lora]
    r = subprocess.run(cmd + ["--", text], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"tune-demo-mini-text: exaone translate failed: {r.stderr.strip()}")
    return r.stdout.strip()


def evaluate(held, lora):
    styled, content, reverse, leaked, rows = 0, [], [], 0, []
    for en, ko in held:
        out = translate(en, "ko", lora)
        ok = out.endswith(SUFFIX) and len(out) > len(SUFFIX)
        phrase = out[: -len(SUFFIX)] if ok else out
        styled += ok
        content.append(chrf(phrase, ko))
        back = translate(ko, "en", lora)
        reverse.append(chrf(back, en))
        leaked += "입니다" in back
        rows.append((en, out, ko + SUFFIX, back))
    n = len(held)
    return styled, sum(content) / n, sum(reverse) / n, rows, leaked


def main():
    if not os.path.exists(PAIRS):
        sys.exit(f"tune-demo-mini-text: {PAIRS} missing (run tools/fetch-data and exaone data prepare)")
    subprocess.run(["make", "-s", "-j2", "exaone"], check=True, stdout=subprocess.DEVNULL)
    os.makedirs(OUT, exist_ok=True)
    trained = set()
    if os.path.exists(MINI_TRAIN):
        with open(MINI_TRAIN, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) == 3 and cols[0] == "P":
                    trained.add(cols[1].strip().lower())
    seen, pairs = set(), []
    with open(PAIRS, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 4 or cols[0] != "test" or cols[1] != "emojibase":
                continue
            en, ko = cols[2].strip(), cols[3].strip()
            key = en.lower()
            if usable(en, ko) and key not in seen and key not in trained:
                seen.add(key)
                pairs.append((en, ko))
    random.Random(11).shuffle(pairs)
    if len(pairs) < 110:
        sys.exit(f"tune-demo-mini-text: only {len(pairs)} usable emoji-name pairs in the test split")
    held, styled, reverse = pairs[:60], pairs[60:210], pairs[210:260]
    rows = {"train": [(en, ko + SUFFIX) for en, ko in styled] + [(ko, en) for en, ko in reverse],
            "held": [(en, ko + SUFFIX) for en, ko in held]}
    for name in rows:
        with open(f"{OUT}/{name}.jsonl", "w", encoding="utf-8") as f:
            for source, target in rows[name]:
                f.write(json.dumps({"source": source, "target": target}, ensure_ascii=False) + "\n")
    train = rows["train"]
    before = evaluate(held, None)
    tune = ["./exaone", "tune", "-m", MODEL, "--data", f"{OUT}/train.jsonl", "--eval", f"{OUT}/held.jsonl",
            "-o", f"{OUT}/adapter", "--rank", "8", "--alpha", "16", "--lr", "1e-3", "--epochs", EPOCHS,
            "--batch", "8", "--seed", "0", "-t", THREADS]
    r = subprocess.run(tune, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"tune-demo-mini-text: exaone tune failed: {r.stderr.strip()}")
    tune_line = r.stdout.strip()
    after = evaluate(held, f"{OUT}/adapter")
    with open(f"{OUT}/samples.tsv", "w", encoding="utf-8") as f:
        f.write("source\tbefore\tafter\twanted\tko->en before\tko->en after\n")
        for b, a in zip(before[3], after[3]):
            f.write(f"{b[0]}\t{b[1]}\t{a[1]}\t{b[2]}\t{b[3]}\t{a[3]}\n")
    n = len(held)
    print(f"tuning pairs {len(train)} ({len(styled)} styled EN->KO, {len(reverse)} plain KO->EN), held-out pairs {n} (emoji names of the test split, never trained on; "
          f"{len(trained)} training-pair names checked against)")
    print(f"house style (\"...{SUFFIX}\") on held-out: before {before[0]}/{n}, after {after[0]}/{n}")
    print(f"content chrF of the phrase vs reference: before {before[1]:.1f}, after {after[1]:.1f}")
    print(f"KO->EN chrF: before {before[2]:.1f}, after {after[2]:.1f}; English answers with 입니다: "
          f"before {before[4]}/{n}, after {after[4]}/{n}")
    m = re.search(r"eval_tr_before=([-0-9.]+) eval_tr_after=([-0-9.]+)", tune_line)
    if m:
        print(f"held-out styled-target loss per token: before {m.group(1)}, after {m.group(2)}")
    print(tune_line)
    print(f"samples: {OUT}/samples.tsv, loss curve: {OUT}/adapter/loss.png")


main()
