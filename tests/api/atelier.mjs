// Headless Chromium (Debian's) drives the Atelier page of a live
// `exaone serve --backend test`: draw a grid, open, pattern mode, inpaint,
// upload for captions, phone width. Screenshots go to build/screenshots/.
// usage: node tests/api/atelier.mjs BASE_URL
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePng } from './png.mjs';

const require = createRequire(new URL('../ref/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const base = process.argv[2];
const shots = 'build/screenshots';
fs.mkdirSync(shots, { recursive: true });
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exaone-chromium-'));

let failures = 0;
async function test(name, fn) {
  try { await fn(); console.log(`ok   ${name}`); }
  catch (e) { failures++; console.log(`FAIL ${name}`); console.log('  ' + String(e && e.message || e).split('\n').slice(0, 3).join('\n  ')); }
}
function ok(c, what) { if (!c) throw new Error(what); }

const browser = await chromium.launchPersistentContext(userDir, {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1100, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const page = browser.pages()[0] || await browser.newPage();
page.setDefaultTimeout(20000);
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));
try {
  await test('page loads from the server (no external requests)', async () => {
    const external = [];
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });
    await page.goto(base + '/');
    ok((await page.title()).includes('Atelier'), 'title');
    ok(external.length === 0, 'external requests: ' + external.join(' '));
  });

  await test('prompt -> grid of 4 drawings with consecutive seeds', async () => {
    await page.fill('#prompt', '빨간 사과 a red apple');
    await page.selectOption('#count', '4');
    await page.selectOption('#size', '256x256');
    await page.fill('#seed', '40');
    await page.click('#draw');
    await page.waitForFunction(() => document.querySelectorAll('#grid .tile img').length === 4 && !document.getElementById('draw').disabled);
    const info = await page.$$eval('#grid .tile', (ts) => ts.map((t) => ({ seed: t.dataset.seed, w: t.querySelector('img').naturalWidth, h: t.querySelector('img').naturalHeight })));
    ok(info.map((i) => i.seed).join() === '40,41,42,43', 'seeds ' + info.map((i) => i.seed).join());
    ok(info.every((i) => i.w === 256 && i.h === 256), 'image sizes ' + JSON.stringify(info));
    ok((await page.textContent('#progress-text')).includes('완료'), 'progress says done');
    await page.screenshot({ path: `${shots}/atelier-grid.png`, fullPage: true });
  });

  await test('click to enlarge, download link is the PNG', async () => {
    await page.click('#grid .tile >> nth=1');
    await page.waitForSelector('#viewer[open]');
    const words = await page.$$eval('#viewer-words .word', (ws) => ws.map((w) => w.textContent));
    ok(words.join(' ') === '빨간 사과 a red apple', 'prompt words ' + JSON.stringify(words));
    const picture = await page.getAttribute('#viewer-img', 'src');
    await page.hover('#viewer-words .word >> nth=2');
    const map = await page.getAttribute('#viewer-img', 'src');
    ok(map.startsWith('data:image/png;base64,') && map !== picture, 'hovering a prompt word shows its map');
    await page.screenshot({ path: `${shots}/atelier-viewer-explain.png` });
    await page.mouse.move(5, 5);
    ok(await page.getAttribute('#viewer-img', 'src') === picture, 'leaving the word shows the picture again');
    const href = await page.getAttribute('#download', 'href'), name = await page.getAttribute('#download', 'download');
    ok(href.startsWith('data:image/png;base64,'), 'download href');
    ok(name === 'exaone-seed41.png', 'download name ' + name);
    await page.screenshot({ path: `${shots}/atelier-viewer.png` });
  });

  await test('inpaint by painting a mask', async () => {
    await page.click('#edit-start');
    const box = await page.locator('#mask-canvas').boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.7);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.75, { steps: 10 });
    await page.mouse.up();
    await page.fill('#edit-prompt', '파란 하늘');
    await page.screenshot({ path: `${shots}/atelier-mask.png` });
    await page.click('#edit-run');
    await page.waitForFunction(() => document.querySelectorAll('#grid .tile').length === 5);
    ok((await page.textContent('#grid .tile:last-child figcaption')).includes('edited'), 'edited tile');
    await page.screenshot({ path: `${shots}/atelier-inpaint.png` });
    await page.click('#viewer .close button');
  });

  await test('pattern mode: 3x3 repeat and garment', async () => {
    await page.check('#tile');
    await page.selectOption('#count', '1');
    await page.click('#draw');
    await page.waitForFunction(() => document.querySelectorAll('#grid .tile img').length === 1 && !document.getElementById('draw').disabled);
    await page.click('#grid .tile');
    await page.waitForSelector('#pattern-view:not([hidden])');
    const bg = await page.$eval('#repeat', (e) => e.style.backgroundImage);
    ok(bg.includes('data:image/png'), 'repeat background');
    ok((await page.getAttribute('#garment-image', 'href')).startsWith('data:image/png'), 'garment fill');
    ok(await page.locator('#mask-canvas').isHidden(), 'no mask left over from the inpaint');
    await page.locator('#pattern-view').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/atelier-pattern.png` });
    await page.locator('#garment').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/atelier-garment.png` });
    await page.click('#viewer .close button');
  });

  await test('upload an image -> captions in KO and EN', async () => {
    const png = encodePng(8, 4, () => [10, 200, 30, 255]);
    await page.setInputFiles('#upload', { name: 'green.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#captions[data-done="1"]');
    const ko = await page.textContent('#cap-ko'), en = await page.textContent('#cap-en');
    ok(en === 'a 8x4 picture, mean colour #0ac81e', 'EN caption: ' + en);
    ok(ko === '8x4 그림, 평균 색 #0ac81e', 'KO caption: ' + ko);
    const upload = await page.getAttribute('#upload-preview', 'src');
    await page.hover('#cap-en .word >> nth=2');
    const m2 = await page.getAttribute('#upload-preview', 'src');
    await page.hover('#cap-en .word >> nth=3');
    const m3 = await page.getAttribute('#upload-preview', 'src');
    ok(m2 !== upload && m3 !== upload && m2 !== m3, 'each caption word shows its own map');
    await page.screenshot({ path: `${shots}/atelier-caption-explain.png`, fullPage: true });
    await page.mouse.move(5, 5);
    ok(await page.getAttribute('#upload-preview', 'src') === upload, 'leaving the word shows the upload again');
    await page.screenshot({ path: `${shots}/atelier-captions.png`, fullPage: true });
    ok(await page.getAttribute('#cap-en', 'data-method') === 'attn', 'attention maps by default');
    await page.selectOption('#caption-explain', 'shapley');
    await page.setInputFiles('#upload', { name: 'green.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#captions[data-done="1"]');
    ok(await page.getAttribute('#cap-en', 'data-method') === 'shapley' &&
       await page.getAttribute('#cap-ko', 'data-method') === 'shapley', 'the chosen map method reaches the server');
  });

  await test('phone width: no horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    ok(sw <= 390, 'scrollWidth ' + sw);
    await page.screenshot({ path: `${shots}/atelier-phone.png`, fullPage: true });
  });

  await test('no script errors', async () => ok(consoleErrors.length === 0, consoleErrors.join('; ')));
} finally {
  await browser.close();
  fs.rmSync(userDir, { recursive: true, force: true });
}
console.log(`atelier: ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
