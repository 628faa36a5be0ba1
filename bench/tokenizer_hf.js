// tokenizer_hf.js TOKENIZER CORPUS — encode MB/s of HF tokenizers (the Rust
// library through npm @anush008/tokenizers) on the same ~64 KB chunks as
// bench/tokenizer_bench.c, one chunk at a time (single-threaded: run with
// RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false). Best of 3 runs.
const fs = require('fs');
const { Tokenizer } = require(process.env.HF_TOKENIZERS || '@anush008/tokenizers');

async function main() {
    const [tokPath, corpusPath] = process.argv.slice(2);
    const tok = Tokenizer.fromFile(tokPath);
    const buf = fs.readFileSync(corpusPath);
    const chunks = [];
    for (let p = 0; p < buf.length;) {
        let q = Math.min(p + 65536, buf.length);
        while (q < buf.length && buf[q - 1] !== 10) q++;
        chunks.push(buf.toString('utf8', p, q));
        p = q;
    }
    // FNV-1a of each chunk's ids, then of the chunk hashes: the same digest as ours.
    const fnv = (arr) => {
        let h = 2166136261;
        for (const v of arr) h = Math.imul((h ^ v) >>> 0, 16777619) >>> 0;
        return h >>> 0;
    };
    const chunkHash = new Uint32Array(chunks.length);
    const firstIds = [];
    let best = Infinity, bestCpu = Infinity, first = 0, nIds = 0;
    for (let rep = 0; rep < 3; rep++) {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        let n = 0;
        for (let i = 0; i < chunks.length; i++) {
            const ids = (await tok.encode(chunks[i], null, { addSpecialTokens: false })).getIds();
            n += ids.length;
            if (rep === 0) firstIds.push(ids); // hashed after the clock stops
        }
        const dt = Number(process.hrtime.bigint() - t0) / 1e9;
        const c = process.cpuUsage(c0);
        const dc = (c.user + c.system) / 1e6;
        if (rep === 0) first = dt;
        if (dt < best) best = dt;
        if (dc < bestCpu) bestCpu = dc;
        nIds = n;
    }
    firstIds.forEach((ids, i) => { chunkHash[i] = fnv(ids); });
    console.log(`hf: ${(buf.length / 1e6 / best).toFixed(2)} MB/s, ids ${nIds}, cpu-time ${(buf.length / 1e6 / bestCpu).toFixed(2)} MB/s, first run ${(buf.length / 1e6 / first).toFixed(2)} MB/s, ids-hash ${fnv(chunkHash).toString(16).padStart(8, '0')}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
