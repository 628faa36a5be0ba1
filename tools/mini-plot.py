#!/usr/bin/python3
"""Loss curve of an EXAONE-mini run (log.csv from exaone mini-train) as a PNG.

usage: tools/mini-plot.py LOG.csv OUT.png
Train loss (grey, smoothed in black) and validation loss per task (coloured dots).
"""
import csv
import sys

from PIL import Image, ImageDraw

W, H, PAD = 720, 420, 50
COLORS = {"val_t2i": (214, 39, 40), "val_i2t": (31, 119, 180), "val_translate": (44, 160, 44), "val_lm": (148, 103, 189)}


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    if not rows:
        sys.exit("no rows")
    steps = [int(r["step"]) for r in rows]
    loss = [float(r["loss"]) for r in rows]
    vals = {k: [(int(r["step"]), float(r[k])) for r in rows if r.get(k) not in (None, "", "-1.00000")] for k in COLORS}
    ymax = max(loss + [v for pts in vals.values() for _, v in pts]) * 1.05
    xmax = max(steps)
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)

    def xy(s, v):
        return PAD + (W - 2 * PAD) * s / xmax, H - PAD - (H - 2 * PAD) * v / ymax

    d.rectangle([PAD, PAD, W - PAD, H - PAD], outline="black")
    for i in range(6):
        v = ymax * i / 5
        _, y = xy(0, v)
        d.line([PAD - 4, y, PAD, y], fill="black")
        d.text((4, y - 6), f"{v:.2f}", fill="black")
        s = xmax * i / 5
        x, _ = xy(s, 0)
        d.text((x - 10, H - PAD + 6), f"{int(s)}", fill="black")
    d.line([xy(s, v) for s, v in zip(steps, loss)], fill=(190, 190, 190))
    k = max(1, len(loss) // 50)
    smooth = [sum(loss[max(0, i - k):i + 1]) / len(loss[max(0, i - k):i + 1]) for i in range(len(loss))]
    d.line([xy(s, v) for s, v in zip(steps, smooth)], fill="black", width=2)
    for name, pts in vals.items():
        for s, v in pts:
            x, y = xy(s, v)
            d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=COLORS[name])
    legend = [("train loss", (0, 0, 0))] + [(n[4:] + " (val)", c) for n, c in COLORS.items()]
    for i, (name, c) in enumerate(legend):
        d.rectangle([W - PAD - 150, PAD + 10 + 16 * i, W - PAD - 140, PAD + 20 + 16 * i], fill=c)
        d.text((W - PAD - 134, PAD + 8 + 16 * i), name, fill="black")
    d.text((PAD, 16), f"EXAONE-mini: cross-entropy (nats/token) vs step, last train loss {loss[-1]:.3f}", fill="black")
    img.save(sys.argv[2])


if __name__ == "__main__":
    main()
