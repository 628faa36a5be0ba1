// The real EXAONE-mini backend behind the API, on a random-weight model (the
// one tests/unit/test_mini.c saves): the outputs are noise, so this checks
// the wiring — shapes, sizes, seeds reproduce, edits keep unmasked pixels.
// usage: node tests/api/real_backend.mjs BASE_URL MODEL_ID
import { createRequire } from 'node:module';
import { encodePng, decodePng } from './png.mjs';

const require = createRequire(new URL('../ref/package.json', import.meta.url));
const openai = require('openai');
const OpenAI = openai.OpenAI || openai.default || openai;
const [base, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL: base + '/v1', apiKey: 'none', maxRetries: 0, timeout: 60000 });
let failures = 0;
async function test(name, fn) {
  try { await fn(); console.log(`ok   ${name}`); }
  catch (e) { failures++; console.log(`FAIL ${name}`); console.log('  ' + String(e && e.message || e)); }
}
function ok(c, what) { if (!c) throw new Error(what); }

await test('draw: size, n, same seed same picture', async () => {
  const a = await client.images.generate({ model, prompt: '빨간 사과', n: 2, size: '96x64', response_format: 'b64_json', seed: 11 });
  const b = await client.images.generate({ model, prompt: '빨간 사과', n: 1, size: '96x64', response_format: 'b64_json', seed: 11 });
  ok(a.data.length === 2, 'n');
  const im = decodePng(Buffer.from(a.data[0].b64_json, 'base64'));
  ok(im.w === 96 && im.h === 64, `size ${im.w}x${im.h}`);
  ok(a.data[0].b64_json === b.data[0].b64_json, 'seed reproduces');
});

await test('caption through chat (image_url), streamed and not', async () => {
  const url = 'data:image/png;base64,' + encodePng(64, 64, (x, y) => [x * 4, y * 4, 128, 255]).toString('base64');
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: [{ type: 'text', text: '설명해 줘' }, { type: 'image_url', image_url: { url } }] }] });
  ok(typeof r.choices[0].message.content === 'string' && r.usage.prompt_tokens > 64, 'caption and usage (image codes count as prompt)');
  const s = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: '설명해 줘' }, { type: 'image_url', image_url: { url } }] }] });
  let text = ''; for await (const c of s) for (const ch of c.choices) text += ch.delta.content || '';
  ok(text === r.choices[0].message.content, 'stream equals the plain answer (beam search is deterministic)');
});

await test('translation route', async () => {
  const res = await fetch(base + '/v1/translations', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'Open file', model }) });
  const j = await res.json();
  ok(res.status === 200 && j.data[0].target_lang === 'ko' && typeof j.data[0].text === 'string', JSON.stringify(j).slice(0, 200));
});

await test('inpaint: unmasked pixels unchanged', async () => {
  const src = (x, y) => [x * 4, 255 - y * 4, 60, 255];
  const image = encodePng(64, 64, src), mask = encodePng(64, 64, (x, y) => [0, 0, 0, x < 32 ? 255 : 0]);
  const r = await client.images.edit({ model, image: await openai.toFile(image, 'i.png', { type: 'image/png' }), mask: await openai.toFile(mask, 'm.png', { type: 'image/png' }), prompt: 'sky', response_format: 'b64_json', seed: 2 });
  const out = decodePng(Buffer.from(r.data[0].b64_json, 'base64'));
  let same = true;
  for (let y = 0; y < 64; y++) for (let x = 0; x < 32; x++) { const p = src(x, y), i = (y * 64 + x) * 4; if (!p.every((v, k) => out.rgba[i + k] === v)) same = false; }
  ok(out.w === 64 && same, 'kept half identical');
});

await test('prompts longer than the context are 400, not 500', async () => {
  for (const call of [() => client.images.generate({ model, prompt: 'word '.repeat(200), response_format: 'b64_json' }),
    () => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'word '.repeat(200) }] })]) {
    try { await call(); throw new Error('no error'); } catch (e) { ok(e.status === 400 && /tokens/.test(e.message), String(e)); }
  }
});

await test('explain: a heat map PNG per word, for drawings and captions, reproducible', async () => {
  const post = async (path, body) => (await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
  const draw = { model, prompt: 'a red apple', n: 1, size: '64x64', seed: 5, explain: true };
  const a = await post('/v1/images/generations', draw), b = await post('/v1/images/generations', draw);
  const x = a.data[0].explain;
  ok(x && x.method === 'attn' && x.words.map((w) => w.word).join('|') === 'a|red|apple', 'words ' + JSON.stringify(x && x.words.map((w) => w.word)));
  for (const w of x.words) { const im = decodePng(Buffer.from(w.b64_json, 'base64')); ok(im.w >= 64 && im.h > im.w, `tile ${im.w}x${im.h} (picture + label strip)`); }
  ok(JSON.stringify(x) === JSON.stringify(b.data[0].explain), 'same seed, same maps');
  ok(x.words[0].b64_json !== x.words[2].b64_json, 'words get their own maps');
  const url = 'data:image/png;base64,' + a.data[0].b64_json;
  const c = await post('/v1/chat/completions', { model, explain: true, explain_method: 'grad', max_tokens: 12, messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe.' }, { type: 'image_url', image_url: { url } }] }] });
  const m = c.choices[0].message;
  const norm = (t) => t.replace(/\s+/g, ' ').trim();
  ok(m.explain && m.explain.method === 'grad' && norm(m.explain.words.map((w) => w.word).join(' ')) === norm(m.content),
    'a map per caption word: ' + JSON.stringify(m.content) + ' vs ' + JSON.stringify(m.explain && m.explain.words.map((w) => w.word)));
  const sh = await post('/v1/chat/completions', { model, explain: true, explain_method: 'shapley', max_tokens: 12, messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe.' }, { type: 'image_url', image_url: { url } }] }] });
  const s = sh.choices[0].message;
  ok(s.content === m.content && s.explain && s.explain.method === 'shapley' && s.explain.words.length === m.explain.words.length &&
    s.explain.words[0].b64_json !== m.explain.words[0].b64_json, 'shapley maps for the same caption, not the gradient ones');
  const bad = await fetch(base + '/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, explain: true, stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
  ok(bad.status === 400, 'explain with stream is 400');
});

console.log(`real: ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
