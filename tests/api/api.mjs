// API tests with the official `openai` npm client against a live
// `exaone serve --backend test` (tests/scripts/test_api.sh starts it).
// The test backend is deterministic (src/server/backend_test.c): chat replies
// "echo: <last user text>", captions state size and mean colour, so every
// expectation below is computed here from the request, not copied from output.
// usage: node tests/api/api.mjs BASE_URL API_KEY
import { createRequire } from 'node:module';
// the client lives in tests/ref/node_modules (tests/ref/package.json)
const require = createRequire(new URL('../ref/package.json', import.meta.url));
const openai = require('openai');
const OpenAI = openai.OpenAI || openai.default || openai;
const { toFile } = openai;
import { encodePng, decodePng } from './png.mjs';

const [base, key] = process.argv.slice(2);
const client = new OpenAI({ baseURL: base + '/v1', apiKey: key, maxRetries: 0, timeout: 30000 });
let failures = 0;
async function test(name, fn) {
  try { await fn(); console.log(`ok   ${name}`); }
  catch (e) { failures++; console.log(`FAIL ${name}`); console.log(`  ${String(e && e.stack || e).split('\n').slice(0, 4).join('\n  ')}`); }
}
function eq(a, b, what) { if (a !== b) throw new Error(`${what}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`); }
function ok(c, what) { if (!c) throw new Error(what); }

const korean = '한국어 문장은 여러 조각으로 나뉘어 도착합니다: 가나다라마바사 🙂';

await test('models.list', async () => {
  const page = await client.models.list();
  ok(page.data.some(m => m.id === 'exaone-test' && m.object === 'model'), 'exaone-test listed');
});

await test('chat plain: shape, echo, usage', async () => {
  const r = await client.chat.completions.create({ model: 'exaone-test', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Hello, 세계' }] });
  eq(r.object, 'chat.completion', 'object'); ok(/^chatcmpl-/.test(r.id), 'id prefix');
  ok(Number.isInteger(r.created) && Math.abs(r.created - Date.now() / 1000) < 600, 'created is now');
  eq(r.choices.length, 1, 'choices'); eq(r.choices[0].message.role, 'assistant', 'role');
  eq(r.choices[0].message.content, 'echo: Hello, 세계', 'content'); eq(r.choices[0].finish_reason, 'stop', 'finish');
  eq(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens, 'usage sum');
  eq(r.usage.completion_tokens, Math.ceil(Buffer.byteLength('echo: Hello, 세계') / 2), 'completion tokens = 2-byte pieces');
});

await test('chat streamed: Korean split across chunks reassembled exactly, usage chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'exaone-test', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: korean }] });
  let text = '', chunks = 0, usage = null, finish = null, role = null, ids = new Set();
  for await (const c of stream) {
    eq(c.object, 'chat.completion.chunk', 'object'); ids.add(c.id);
    if (c.usage) usage = c.usage;
    for (const ch of c.choices) {
      if (ch.delta.role) role = ch.delta.role;
      if (ch.delta.content) { text += ch.delta.content; chunks++; }
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  eq(text, 'echo: ' + korean, 'reassembled text'); eq(role, 'assistant', 'role'); eq(finish, 'stop', 'finish');
  eq(ids.size, 1, 'one id'); ok(chunks > 10, `many chunks (${chunks})`);
  ok(usage && usage.completion_tokens === Math.ceil(Buffer.byteLength('echo: ' + korean) / 2), 'usage in the last chunk');
});

await test('chat: max_tokens -> finish_reason length', async () => {
  const r = await client.chat.completions.create({ model: 'exaone-test', max_tokens: 3, messages: [{ role: 'user', content: 'abcdefgh' }] });
  eq(r.choices[0].message.content, 'echo: ', 'three 2-byte pieces'); eq(r.choices[0].finish_reason, 'length', 'finish');
  const r2 = await client.chat.completions.create({ model: 'exaone-test', max_completion_tokens: 4, messages: [{ role: 'user', content: 'abcdefgh' }] });
  eq(r2.choices[0].message.content, 'echo: ab', 'max_completion_tokens');
});

await test('chat: stop sequence across pieces, n = 3', async () => {
  const r = await client.chat.completions.create({ model: 'exaone-test', n: 3, stop: ['cdef'], messages: [{ role: 'user', content: 'abcdefgh' }] });
  eq(r.choices.length, 3, 'n'); for (const c of r.choices) { eq(c.message.content, 'echo: ab', 'cut at stop'); eq(c.finish_reason, 'stop', 'finish'); }
  eq(r.choices.map(c => c.index).join(), '0,1,2', 'indices');
});

await test('chat streamed with stop in Korean', async () => {
  const stream = await client.chat.completions.create({ model: 'exaone-test', stream: true, stop: '조각', messages: [{ role: 'user', content: korean }] });
  let text = ''; for await (const c of stream) for (const ch of c.choices) text += ch.delta.content || '';
  eq(text, 'echo: ' + korean.slice(0, korean.indexOf('조각')), 'text up to the stop');
});

const png = encodePng(8, 4, () => [10, 200, 30, 255]);
const dataUrl = 'data:image/png;base64,' + png.toString('base64');
await test('chat with image_url: caption in EN and KO', async () => {
  const en = await client.chat.completions.create({ model: 'exaone-test', messages: [{ role: 'user', content: [
    { type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: dataUrl } }] }] });
  eq(en.choices[0].message.content, 'a 8x4 picture, mean colour #0ac81e', 'EN caption');
  const ko = await client.chat.completions.create({ model: 'exaone-test', messages: [{ role: 'user', content: [
    { type: 'text', text: '이 그림은 무엇인가요?' }, { type: 'image_url', image_url: { url: dataUrl } }] }] });
  eq(ko.choices[0].message.content, '8x4 그림, 평균 색 #0ac81e', 'KO caption');
});

await test('completions', async () => {
  const r = await client.completions.create({ model: 'exaone-test', prompt: 'Once upon a time', max_tokens: 16 });
  eq(r.object, 'text_completion', 'object'); eq(r.choices[0].text, ' and so on', 'text'); ok(r.usage.prompt_tokens > 0, 'usage');
});

await test('images.generate: n, size, seed, b64_json, revised_prompt', async () => {
  const r = await client.images.generate({ model: 'exaone-test', prompt: '빨간 사과', n: 2, size: '256x128', response_format: 'b64_json', seed: 7 });
  eq(r.data.length, 2, 'n'); ok(Number.isInteger(r.created), 'created');
  for (const d of r.data) { const im = decodePng(Buffer.from(d.b64_json, 'base64')); eq(`${im.w}x${im.h}`, '256x128', 'size'); eq(d.revised_prompt, '빨간 사과', 'revised_prompt'); }
  ok(r.data[0].b64_json !== r.data[1].b64_json, 'different seeds differ');
  const again = await client.images.generate({ model: 'exaone-test', prompt: '빨간 사과', n: 1, size: '256x128', response_format: 'b64_json', seed: 7 });
  eq(again.data[0].b64_json, r.data[0].b64_json, 'same seed, same image');
  const big = await client.images.generate({ model: 'exaone-test', prompt: 'x', size: '2048x2048', response_format: 'b64_json' });
  const bi = decodePng(Buffer.from(big.data[0].b64_json, 'base64')); eq(`${bi.w}x${bi.h}`, '2048x2048', '2048 size');
});

await test('images.edit: masked pixels redrawn, kept pixels unchanged', async () => {
  const W = 64, H = 64, src = (x, y) => [x * 4, y * 4, 99, 255];
  const image = encodePng(W, H, src);
  const mask = encodePng(W, H, (x, y) => [0, 0, 0, y < 32 ? 255 : 0]); // bottom half transparent = edit
  const r = await client.images.edit({ model: 'exaone-test', image: await toFile(image, 'image.png', { type: 'image/png' }),
    mask: await toFile(mask, 'mask.png', { type: 'image/png' }), prompt: 'a blue sky', response_format: 'b64_json', seed: 1 });
  eq(r.data.length, 1, 'n');
  const out = decodePng(Buffer.from(r.data[0].b64_json, 'base64'));
  eq(`${out.w}x${out.h}`, '64x64', 'edits keep the input size');
  let keptSame = true, changed = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const p = src(x, y), i = (y * W + x) * 4, same = p.every((v, k) => out.rgba[i + k] === v);
    if (y < 32 && !same) keptSame = false;
    if (y >= 32 && !same) changed++;
  }
  ok(keptSame, 'kept half identical'); ok(changed > 32 * 64 / 2, `masked half redrawn (${changed} px changed)`);
});

await test('translations (our route)', async () => {
  const res = await fetch(base + '/v1/translations', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + key },
    body: JSON.stringify({ text: ['Open file', '파일 열기'] }) });
  eq(res.status, 200, 'status'); const j = await res.json();
  eq(j.object, 'translation', 'object'); eq(j.data[0].target_lang, 'ko', 'EN -> KO'); eq(j.data[1].target_lang, 'en', 'KO -> EN');
  eq(j.data[0].text, '[ko] Open file', 'text');
});

await test('error: bad field -> 400 BadRequestError with message and param', async () => {
  try { await client.chat.completions.create({ model: 'exaone-test', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }); throw new Error('no error'); }
  catch (e) { ok(e instanceof OpenAI.BadRequestError, 'BadRequestError: ' + e); eq(e.status, 400, 'status'); eq(e.param, 'temperature', 'param');
    ok(/temperature/.test(e.message), 'message names the field: ' + e.message); eq(e.type, 'invalid_request_error', 'type'); }
});

await test('error: unknown model -> 404, wrong key -> 401', async () => {
  try { await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }); throw new Error('no error'); }
  catch (e) { ok(e instanceof OpenAI.NotFoundError, 'NotFoundError: ' + e); ok(/no-such-model/.test(e.message), 'message'); }
  const bad = new OpenAI({ baseURL: base + '/v1', apiKey: key + 'x', maxRetries: 0 });
  try { await bad.models.list(); throw new Error('no error'); }
  catch (e) { ok(e instanceof OpenAI.AuthenticationError, 'AuthenticationError: ' + e); eq(e.status, 401, 'status'); }
});

console.log(`api: ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
