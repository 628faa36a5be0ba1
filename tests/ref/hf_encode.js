// hf_encode.js TOKENIZER_JSON IN_JSONL OUT_JSONL — the HF tokenizers oracle.
// Encodes every {"text": ...} line of IN_JSONL with the Rust library (npm
// @anush008/tokenizers, a native binding) without special tokens added, and
// writes {"ids": [...]} lines to OUT_JSONL. Decodes them back too, so the
// caller can compare decode as well: {"ids": [...], "decoded": "..."}.
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');

async function main() {
    const [tokPath, inPath, outPath] = process.argv.slice(2);
    const tok = Tokenizer.fromFile(tokPath);
    const lines = fs.readFileSync(inPath, 'utf8').split('\n').filter((l) => l.length);
    const out = [];
    for (const line of lines) {
        const { text } = JSON.parse(line);
        const enc = await tok.encode(text, null, { addSpecialTokens: false });
        const ids = Array.from(enc.getIds());
        const decoded = await tok.decode(ids, false);
        out.push(JSON.stringify({ ids, decoded }));
    }
    fs.writeFileSync(outPath, out.join('\n') + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
