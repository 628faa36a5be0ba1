#!/usr/bin/python3
"""make_corpus.py OUT MIN_BYTES — a mixed Korean/English text corpus from this
machine: every Korean gettext catalog (*.mo under /usr/share/locale/ko and
friends; the English msgid next to its Korean msgstr), the EXAONE golden texts
when ../shared is present, and tests/data/ko_en_corpus.txt; lines are shuffled
(fixed seed) and repeated until the corpus reaches MIN_BYTES."""
import glob, json, os, random, struct, sys

def mo_pairs(path):
    data = open(path, 'rb').read()
    if len(data) < 28:
        return []
    magic = struct.unpack('<I', data[:4])[0]
    end = '<' if magic == 0x950412de else '>'
    n, orig, trans = struct.unpack(end + 'III', data[8:20])
    pairs = []
    for i in range(n):
        ol, oo = struct.unpack(end + 'II', data[orig + 8 * i: orig + 8 * i + 8])
        tl, to = struct.unpack(end + 'II', data[trans + 8 * i: trans + 8 * i + 8])
        o = data[oo:oo + ol].decode('utf-8', 'replace')
        t = data[to:to + tl].decode('utf-8', 'replace')
        if o and t:
            pairs.append((o.split('\0')[0], t.split('\0')[0]))
    return pairs

out, min_bytes = sys.argv[1], int(sys.argv[2])
lines = []
for path in sorted(set(glob.glob('/usr/share/locale/ko/LC_MESSAGES/*.mo') + glob.glob('/usr/share/locale-langpack/ko/LC_MESSAGES/*.mo') + glob.glob('/usr/share/*/lang/ko*/LC_MESSAGES/*.mo') + glob.glob('/usr/share/*/*/lang/ko*/LC_MESSAGES/*.mo'))):
    for o, t in mo_pairs(path):
        lines.append(o.replace('\n', ' ') + ' ' + t.replace('\n', ' '))
for shared in ('../shared/exaone', '/work/shared/exaone'):
    for path in glob.glob(shared + '/*/golden.jsonl'):
        for line in open(path, encoding='utf-8'):
            lines.append(json.loads(line)['text'].replace('\n', ' '))
    if glob.glob(shared + '/*/golden.jsonl'):
        break
lines += open('tests/data/ko_en_corpus.txt', encoding='utf-8').read().splitlines()
lines = [l for l in lines if l.strip()]
random.seed(7)
text, size = [], 0
while size < min_bytes:
    random.shuffle(lines)
    for l in lines:
        text.append(l)
        size += len(l.encode('utf-8')) + 1
        if size >= min_bytes:
            break
open(out, 'w', encoding='utf-8').write('\n'.join(text) + '\n')
hangul = sum(1 for c in ''.join(text) if '\uac00' <= c <= '\ud7a3')
print(f'corpus: {size} bytes, {len(text)} lines ({len(set(lines))} distinct), {hangul} Hangul syllables', file=sys.stderr)
