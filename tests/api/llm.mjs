// EXAONE text models behind the API, against independent oracles: for the
// tiny random checkpoints of tests/ref/exaone_ref.py, greedy /v1/completions
// from the reference prompt ids must produce the text of PyTorch's greedy
// continuation decoded by Hugging Face's tokenizers (npm binding).
// usage: node tests/api/llm.mjs BASE_URL REF_DIR MODEL...
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(new URL('../ref/package.json', import.meta.url));
const openai = require('openai');
const OpenAI = openai.OpenAI || openai.default || openai;
const { Tokenizer } = require('@anush008/tokenizers');
const [base, ref, ...models] = process.argv.slice(2);
const client = new OpenAI({ baseURL: base + '/v1', apiKey: 'none', maxRetries: 0, timeout: 120000 });
let failures = 0;
async function test(name, fn) {
  try { await fn(); console.log(`ok   ${name}`); }
  catch (e) { failures++; console.log(`FAIL ${name}`); console.log('  ' + String(e && e.message || e).slice(0, 600)); }
}
function ok(c, what) { if (!c) throw new Error(what); }
const ids = (f) => fs.readFileSync(f, 'utf8').trim().split(/\s+/).map(Number);

for (const model of models) {
  const dir = `${ref}/${model}`;
  await test(`${model}: greedy completion = PyTorch greedy decoded by HF tokenizers`, async () => {
    const prompt = ids(`${dir}/prompt.txt`);
    let greedy = ids(`${dir}/greedy.txt`);
    const tok = Tokenizer.fromFile(`${dir}/tokenizer.json`);
    const stops = [361, tok.tokenToId ? tok.tokenToId('[|endofturn|]') : 361];
    const cut = greedy.findIndex((t) => stops.includes(t));
    if (cut >= 0) greedy = greedy.slice(0, cut);
    const want = await tok.decode(greedy, false);
    const r = await client.completions.create({ model, prompt, max_tokens: 32, temperature: 0 });
    ok(r.choices[0].text === want, `got ${JSON.stringify(r.choices[0].text)}\n  want ${JSON.stringify(want)}`);
    ok(r.usage.prompt_tokens === prompt.length && r.usage.completion_tokens === greedy.length, 'usage ' + JSON.stringify(r.usage));
  });
  await test(`${model}: chat streamed = plain at temperature 0, usage`, async () => {
    const messages = [{ role: 'system', content: 'You are EXAONE.' }, { role: 'user', content: '서울의 날씨는 어때요?' }];
    const plain = await client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 0 });
    const s = await client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '', usage = null;
    for await (const c of s) { if (c.usage) usage = c.usage; for (const ch of c.choices) text += ch.delta.content || ''; }
    ok(text === plain.choices[0].message.content, `stream ${JSON.stringify(text)} vs ${JSON.stringify(plain.choices[0].message.content)}`);
    ok(usage && usage.completion_tokens === plain.usage.completion_tokens && usage.prompt_tokens === plain.usage.prompt_tokens, 'usage');
    ok(plain.usage.completion_tokens <= 12, 'max_tokens');
  });
  await test(`${model}: same seed same sample, images and overlong prompts are 400`, async () => {
    const messages = [{ role: 'user', content: 'hello' }];
    const a = await client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 1, seed: 5 });
    const b = await client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 1, seed: 5 });
    ok(a.choices[0].message.content === b.choices[0].message.content, 'seeded sampling reproduces');
    try { await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'word '.repeat(400) }] }); throw new Error('no error'); }
    catch (e) { ok(e.status === 400 && /context/.test(e.message), 'overlong: ' + e); }
  });
}
console.log(`llm: ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
