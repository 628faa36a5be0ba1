// EXAONE Atelier: plain JS against the server's own OpenAI-compatible API
// (same origin, no build step, no CDN).
'use strict';
const $ = (id) => document.getElementById(id);
const keyInput = $('api-key');
keyInput.value = localStorage.getItem('exaone-api-key') || '';
keyInput.addEventListener('change', () => localStorage.setItem('exaone-api-key', keyInput.value));

function headers(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  if (keyInput.value) h.Authorization = 'Bearer ' + keyInput.value;
  return h;
}

async function api(path, body) {
  const res = await fetch(path, body instanceof FormData
    ? { method: 'POST', headers: headers(false), body }
    : { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && data.error.message) || `HTTP ${res.status}`);
  return data;
}

function showError(el, e) { el.textContent = e ? String(e.message || e) : ''; el.hidden = !e; }

// ------------------------------------------------------------ explanations
// The server's "explain" gives a heat map PNG per word; hovering (or focusing)
// a word shows its map in place of the picture, leaving shows the picture again.
function explainWords(container, text, explain, img, original) {
  container.replaceChildren();
  container.dataset.method = explain ? explain.method : '';
  if (!explain || !explain.words.length) { container.textContent = text; return; }
  explain.words.forEach((w, i) => {
    if (i) container.append(' ');
    const span = document.createElement('span');
    span.className = 'word';
    span.tabIndex = 0;
    span.textContent = w.word;
    span.title = '이 단어의 지도 · where this word is in the picture';
    const map = 'data:image/png;base64,' + w.b64_json;
    const show = () => { img.src = map; span.classList.add('shown'); };
    const hide = () => { img.src = original(); span.classList.remove('shown'); };
    span.addEventListener('mouseenter', show);
    span.addEventListener('focus', show);
    span.addEventListener('mouseleave', hide);
    span.addEventListener('blur', hide);
    container.append(span);
  });
}

// ------------------------------------------------------------ drawing
const grid = $('grid');
let drawings = []; // {src, seed, prompt, tile}

function setProgress(done, total, text) {
  $('progress').hidden = total === 0;
  $('progress-fill').style.width = total ? (100 * done / total) + '%' : '0';
  $('progress-text').textContent = text;
}

function addTile(d) {
  drawings.push(d);
  const fig = document.createElement('figure');
  fig.className = 'tile';
  fig.dataset.seed = d.seed;
  const img = document.createElement('img');
  img.src = d.src;
  img.alt = `${d.prompt} (seed ${d.seed})`;
  const cap = document.createElement('figcaption');
  cap.textContent = `seed ${d.seed}${d.edited ? ' · edited' : ''}`;
  fig.append(img, cap);
  fig.addEventListener('click', () => openViewer(d));
  grid.append(fig);
}

$('draw').addEventListener('click', async () => {
  const prompt = $('prompt').value.trim();
  if (!prompt) { showError($('draw-error'), '프롬프트를 입력하세요 · enter a prompt'); return; }
  showError($('draw-error'), null);
  const n = parseInt($('count').value, 10), size = $('size').value, tile = $('tile').checked;
  const seedText = $('seed').value.trim();
  const first = seedText === '' ? Math.floor(Math.random() * 1e6) : parseInt(seedText, 10);
  $('draw').disabled = true;
  grid.replaceChildren();
  drawings = [];
  const t0 = performance.now();
  try {
    // one request per picture so the page can show real progress
    for (let i = 0; i < n; i++) {
      setProgress(i, n, `그리는 중 drawing ${i + 1}/${n} · ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const r = await api('/v1/images/generations', { prompt, n: 1, size, seed: first + i, tile, response_format: 'b64_json', explain: true,
        explain_method: $('draw-explain').value });
      addTile({ src: 'data:image/png;base64,' + r.data[0].b64_json, seed: r.data[0].seed, prompt, tile, explain: r.data[0].explain });
    }
    setProgress(n, n, `${n}장 완료 done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    showError($('draw-error'), e);
    setProgress(0, 0, '');
  } finally {
    $('draw').disabled = false;
  }
});

// ------------------------------------------------------------ viewer, pattern, inpaint
const viewer = $('viewer'), canvas = $('mask-canvas'), ctx = canvas.getContext('2d');
let current = null, painting = false;

function openViewer(d) {
  current = d;
  $('viewer-img').src = d.src;
  $('viewer-meta').textContent = `seed ${d.seed}`;
  explainWords($('viewer-words'), d.prompt, d.explain, $('viewer-img'), () => current.src);
  $('download').href = d.src;
  $('download').download = `exaone-seed${d.seed}.png`;
  $('pattern-view').hidden = !d.tile;
  if (d.tile) {
    $('repeat').style.backgroundImage = `url(${d.src})`;
    $('garment-image').setAttribute('href', d.src);
  }
  stopEditing();
  if (viewer.showModal) viewer.showModal(); else viewer.setAttribute('open', '');
}

function stopEditing() { canvas.hidden = true; $('edit-tools').hidden = true; }

$('edit-start').addEventListener('click', () => {
  const img = $('viewer-img');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  canvas.hidden = false; $('edit-tools').hidden = false;
  $('edit-prompt').value = current.prompt;
});
$('edit-clear').addEventListener('click', () => ctx.clearRect(0, 0, canvas.width, canvas.height));

function paintAt(ev) {
  const r = canvas.getBoundingClientRect();
  const x = (ev.clientX - r.left) * canvas.width / r.width, y = (ev.clientY - r.top) * canvas.height / r.height;
  const rad = $('brush').value * canvas.width / r.width / 2;
  ctx.fillStyle = 'rgba(165, 0, 52, 0.55)';
  ctx.beginPath(); ctx.arc(x, y, rad, 0, Math.PI * 2); ctx.fill();
}
canvas.addEventListener('pointerdown', (e) => { painting = true; canvas.setPointerCapture(e.pointerId); paintAt(e); });
canvas.addEventListener('pointermove', (e) => { if (painting) paintAt(e); });
canvas.addEventListener('pointerup', () => { painting = false; });

function toBlob(c) { return new Promise((ok) => c.toBlob(ok, 'image/png')); }

$('edit-run').addEventListener('click', async () => {
  // OpenAI's convention: transparent mask pixels are redrawn
  const w = canvas.width, h = canvas.height, painted = ctx.getImageData(0, 0, w, h).data;
  const m = document.createElement('canvas'); m.width = w; m.height = h;
  const mctx = m.getContext('2d'), mask = mctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) mask.data[i * 4 + 3] = painted[i * 4 + 3] ? 0 : 255;
  mctx.putImageData(mask, 0, 0);
  const form = new FormData();
  form.append('image', await (await fetch(current.src)).blob(), 'image.png');
  form.append('mask', await toBlob(m), 'mask.png');
  form.append('prompt', $('edit-prompt').value || current.prompt);
  form.append('seed', String(current.seed + 1000));
  form.append('response_format', 'b64_json');
  $('edit-run').disabled = true;
  try {
    const r = await api('/v1/images/edits', form);
    const d = { src: 'data:image/png;base64,' + r.data[0].b64_json, seed: r.data[0].seed, prompt: $('edit-prompt').value, tile: current.tile, edited: true };
    addTile(d);
    openViewer(d);
  } catch (e) {
    alert(e.message);
  } finally {
    $('edit-run').disabled = false;
  }
});

// ------------------------------------------------------------ captions
function fileToDataUrl(file) {
  return new Promise((ok, fail) => { const r = new FileReader(); r.onload = () => ok(r.result); r.onerror = fail; r.readAsDataURL(file); });
}

// Any picture the browser can show becomes a PNG data: URL (the server reads PNG).
async function asPng(file) {
  const url = await fileToDataUrl(file);
  if (file.type === 'image/png') return url;
  const img = new Image();
  await new Promise((ok, fail) => { img.onload = ok; img.onerror = fail; img.src = url; });
  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  c.getContext('2d').drawImage(img, 0, 0);
  return c.toDataURL('image/png');
}

async function caption(url, question) {
  const r = await api('/v1/chat/completions', { messages: [{ role: 'user', content: [
    { type: 'text', text: question }, { type: 'image_url', image_url: { url } }] }], max_tokens: 64, explain: true,
    explain_method: $('caption-explain').value });
  return r.choices[0].message;
}

$('upload').addEventListener('change', async () => {
  const file = $('upload').files[0];
  if (!file) return;
  showError($('caption-error'), null);
  $('captions').hidden = false;
  delete $('captions').dataset.done;
  $('cap-ko').textContent = '…'; $('cap-en').textContent = '…';
  try {
    const url = await asPng(file);
    $('upload-preview').src = url;
    const [ko, en] = await Promise.all([caption(url, '이 그림을 설명해 주세요.'), caption(url, 'Describe this picture.')]);
    const preview = $('upload-preview');
    explainWords($('cap-ko'), ko.content, ko.explain, preview, () => url);
    explainWords($('cap-en'), en.content, en.explain, preview, () => url);
    $('captions').dataset.done = '1';
  } catch (e) {
    showError($('caption-error'), e);
  }
});
