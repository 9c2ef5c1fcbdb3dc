// The swha-tts web page. Plain JavaScript, no build step: every call goes to this server's
// /api/v1 with fetch, and nothing is written into the page as HTML (text only), so a strict
// Content-Security-Policy (default-src 'self') can be turned on without changes here.

const TOKEN_KEY = 'swha-tts.token';
const LIPSYNC_POLL_MS = 3000;
const FINAL_LIPSYNC_STATUSES = new Set(['COMPLETED', 'FAILED', 'REJECTED', 'CANCELED', 'TIMED_OUT']);

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// API access

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The words of an error body: FastAPI's {"detail": "..."} or its 422 list of {loc, msg}, or
// OpenAI's {"error": {"message"}}; else whatever text came back.
function describeErrorBody(body, text, status, statusText) {
  const detail = body && typeof body === 'object' ? body.detail : undefined;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => {
      const where = (item.loc || []).filter((part) => part !== 'body' && part !== 'query' &&
                                                      part !== 'path');
      return where.length ? `${where.join('.')}: ${item.msg}` : String(item.msg);
    }).join('\n');
  }
  if (body && body.error && typeof body.error.message === 'string') return body.error.message;
  if (text) return text.slice(0, 300);
  return `${status} ${statusText}`.trim();
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

// Calls the API; resolves to the parsed JSON body (null when empty), rejects with an ApiError
// whose message is the server's own words.
async function api(method, path, { json, query } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { Accept: 'application/json' };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const init = { method, headers };
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, `The server could not be reached (${e.message}).`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = describeErrorBody(body, text, response.status, response.statusText);
    if (response.status === 401 && bearer) signedOut('Your sign-in has ended; sign in again.');
    throw new ApiError(response.status, message);
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Messages: every section has a status line (polite) and an error line (role=alert).

function say(area, message) {
  $(`${area}-error`).textContent = '';
  $(`${area}-status`).textContent = message;
}

function fail(area, error) {
  $(`${area}-status`).textContent = '';
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  $(`${area}-error`).textContent = `${error.message}${status}`;
}

// Runs `work` with `button` disabled and the form marked busy; errors land in `area`.
async function busy(area, button, work) {
  $(`${area}-error`).textContent = '';
  button.disabled = true;
  const form = button.closest('form') || button.parentElement;
  form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (e) {
    fail(area, e);
  } finally {
    button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

function el(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function option(value, label, selected = false) {
  const node = el('option', { text: label, attrs: { value } });
  node.selected = selected;
  return node;
}

function formatTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString();
}

// ---------------------------------------------------------------------------------------------
// Catalogue: languages, voices, formats, storage

const catalogue = { voices: [], formats: [] };

async function loadCatalogue() {
  const [languages, voices, formats] = await Promise.all([
    api('GET', '/api/v1/tts/languages'),
    api('GET', '/api/v1/tts/voices'),
    api('GET', '/api/v1/tts/formats'),
  ]);
  const languageSelect = $('language');
  languageSelect.replaceChildren(...Object.entries(languages.languages)
      .map(([code, name]) => option(code, name, code === 'a')));
  catalogue.voices = voices.details || voices.voices.map((name) => ({ name, language_code: name[0] }));
  const voiceSelect = $('voice');
  const groups = Object.entries(languages.languages).map(([code, name]) => {
    const group = el('optgroup', { attrs: { label: name } });
    for (const voice of catalogue.voices.filter((v) => v.language_code === code)) {
      const gender = voice.gender ? ` (${voice.gender})` : '';
      group.append(option(voice.name, `${voice.name}${gender}`, voice.name === 'af_heart'));
    }
    return group;
  });
  voiceSelect.replaceChildren(...groups);
  catalogue.formats = formats.formats;
  $('format').replaceChildren(...formats.formats.map((f) =>
    option(f.name, `${f.name.toUpperCase()} (${f.content_type})`, f.name === formats.default)));
}

// Voices and languages are independent on this API; choosing a language proposes its first
// voice, which the user may change.
function onLanguageChange() {
  const code = $('language').value;
  const current = catalogue.voices.find((v) => v.name === $('voice').value);
  if (current && current.language_code === code) return;
  const first = catalogue.voices.find((v) => v.language_code === code);
  if (first) $('voice').value = first.name;
}

let storageChosen = false;

async function loadStorage() {
  const note = $('storage-note');
  const s3 = $('storage-s3');
  try {
    const info = await api('GET', '/api/v1/tts/s3-info');
    s3.disabled = !info.s3_enabled;
    // As the API does (use_s3 defaults to true): S3 when it is there, unless the user chose.
    if (info.s3_enabled && !storageChosen) s3.checked = true;
    if (info.s3_enabled) {
      note.textContent = `S3 bucket ${info.bucket_name} (${info.region}) is available.`;
    } else if (info.use_s3_storage) {
      note.textContent = `S3 storage is configured but not reachable now${info.error ? `: ${info.error}` : ''}.`;
    } else {
      note.textContent = 'S3 storage is not enabled on this server; audio is kept here.';
    }
    if (s3.disabled && s3.checked) document.querySelector('input[name="storage"][value="local"]').checked = true;
  } catch (e) {
    s3.disabled = true;
    note.textContent = `Storage could not be checked: ${e.message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Segments: a player, the text with its words timed by the speech marks, phonemes, links

// UTF-8 byte offset → index into the JavaScript (UTF-16) string, for the marks' start/end.
function byteOffsetsToIndices(text) {
  const map = new Map();
  let bytes = 0;
  let index = 0;
  for (const char of text) {
    map.set(bytes, index);
    const code = char.codePointAt(0);
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    index += char.length;
  }
  map.set(bytes, index);
  return map;
}

// The text as nodes, each word mark's range wrapped in a span; returns the spans with the time
// each starts, in time order.
function renderTimedText(container, text, marks) {
  const offsets = byteOffsetsToIndices(text);
  const words = (marks || [])
      .filter((m) => m.type === 'word' && offsets.has(m.start) && offsets.has(m.end))
      .sort((a, b) => a.start - b.start);
  const timed = [];
  let cursor = 0;
  for (const mark of words) {
    const start = offsets.get(mark.start);
    const end = offsets.get(mark.end);
    if (start < cursor || end <= start) continue;  // overlapping or empty: left as plain text
    if (start > cursor) container.append(text.slice(cursor, start));
    const span = el('span', { className: 'word', text: text.slice(start, end) });
    container.append(span);
    timed.push({ timeMs: mark.time, span });
    cursor = end;
  }
  if (cursor < text.length) container.append(text.slice(cursor));
  timed.sort((a, b) => a.timeMs - b.timeMs);
  return timed;
}

// Highlights the word being heard, frame by frame while the audio plays.
function followPlayback(audio, timed) {
  if (timed.length === 0) return;
  let current = null;
  let frame = 0;
  const update = () => {
    const nowMs = audio.currentTime * 1000;
    let next = null;
    for (const word of timed) {
      if (word.timeMs > nowMs) break;
      next = word;
    }
    if (audio.ended) next = null;
    if (next !== current) {
      if (current) current.span.classList.remove('current');
      if (next) next.span.classList.add('current');
      current = next;
    }
  };
  const loop = () => {
    update();
    frame = audio.paused ? 0 : requestAnimationFrame(loop);
  };
  audio.addEventListener('play', () => { if (!frame) frame = requestAnimationFrame(loop); });
  audio.addEventListener('seeked', update);
  audio.addEventListener('ended', update);
}

function contentTypeOf(filename) {
  const extension = filename.split('.').pop();
  const format = catalogue.formats.find((f) => f.extension === extension);
  return format ? format.content_type : '';
}

async function copyText(value, area) {
  try {
    await navigator.clipboard.writeText(value);
    say(area, 'URL copied.');
  } catch (e) {
    fail(area, new Error(`Copying was refused (${e.message}); the URL is: ${value}`));
  }
}

// One segment as a list item. `url` is the one to play (presigned in S3, else signed here);
// `area` names where its messages go.
function renderSegment(segment, url, languageCode, area) {
  const item = el('li', { className: 'segment', attrs: { 'data-index': segment.index } });
  const duration = typeof segment.duration === 'number' ? ` · ${segment.duration.toFixed(2)} s` : '';
  item.append(el('h3', { text: `Segment ${segment.index + 1}${duration}` }));
  const audio = el('audio', { attrs: { controls: '', preload: 'metadata' } });
  const type = contentTypeOf(segment.filename);
  if (url) audio.src = url;
  item.append(audio);
  if (type && audio.canPlayType(type) === '') {
    item.append(el('p', { className: 'meta', text: `This browser cannot play ${type}; download the file instead.` }));
  }
  const text = el('p', { className: 'graphemes', attrs: { lang: languageTag(languageCode) } });
  item.append(text);
  const timed = renderTimedText(text, segment.graphemes, segment.marks);
  followPlayback(audio, timed);
  if (!segment.marks && segment.marks_url) {
    // Marks stored beside the audio (GET of a session): fetched, then the words are timed.
    fetch(segment.marks_url).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`marks: HTTP ${r.status}`))))
        .then((marks) => {
          text.replaceChildren();
          followPlayback(audio, renderTimedText(text, segment.graphemes, marks));
        })
        .catch((e) => fail(area, e));
  }
  item.append(el('p', { className: 'phonemes' }, [el('span', { className: 'hint', text: 'Phonemes: ' }), segment.phonemes || '']));
  if (segment.expires_at) {
    const iso = new Date(segment.expires_at * 1000).toISOString();
    item.append(el('p', { className: 'meta' }, [
      `${segment.storage_type === 's3' ? 'S3' : 'Local'} link, valid until `,
      el('time', { attrs: { datetime: iso }, text: formatTime(segment.expires_at) }),
    ]));
  } else if (!url) {
    item.append(el('p', { className: 'meta', text: 'No URL could be made for this segment.' }));
  }
  if (url) {
    const download = el('a', { className: 'button secondary', text: 'Download', attrs: { href: url, download: segment.filename } });
    download.setAttribute('aria-label', `Download segment ${segment.index + 1} (${segment.filename})`);
    const copy = el('button', { className: 'secondary', text: 'Copy URL', attrs: { type: 'button' } });
    copy.setAttribute('aria-label', `Copy the URL of segment ${segment.index + 1}`);
    copy.addEventListener('click', () => copyText(new URL(url, window.location.href).href, area));
    item.append(el('div', { className: 'actions' }, [download, copy]));
  }
  return item;
}

const LANGUAGE_TAGS = { a: 'en-US', b: 'en-GB', e: 'es', f: 'fr', h: 'hi', i: 'it', j: 'ja', p: 'pt-BR', z: 'zh' };
function languageTag(code) { return LANGUAGE_TAGS[code] || 'und'; }

// ---------------------------------------------------------------------------------------------
// Generate

function updateCount() {
  const count = [...$('text').value].length;
  $('text-count').textContent = `${count} character${count === 1 ? '' : 's'}`;
}

async function generate() {
  const text = $('text').value;
  if (!text.trim()) {
    fail('generate', new Error('Type or paste some text first.'));
    $('text').focus();
    return;
  }
  say('generate', 'Generating…');
  const started = performance.now();
  const response = await api('POST', '/api/v1/tts/generate', {
    json: {
      text,
      language_code: $('language').value,
      voice: $('voice').value,
      speed: Number($('speed').value),
      format: $('format').value,
      split_pattern: $('split').value,
      use_s3: document.querySelector('input[name="storage"]:checked').value === 's3',
      presigned_url_expiry: Number($('expiry').value),
      marks: true,
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const list = $('segments');
  list.replaceChildren(...response.audio_segments.map((segment, i) =>
    renderSegment(segment, response.audio_files[i], response.language_code, 'generate')));
  $('result-summary').textContent =
    `${response.total_segments} segment${response.total_segments === 1 ? '' : 's'}, ` +
    `stored ${response.storage_type === 's3' ? 'in S3' : 'on this server'}, ` +
    `session ${response.session_id}.`;
  $('result-warnings').replaceChildren(...(response.warnings || []).map((w) => el('li', { text: w })));
  $('result').dataset.sessionId = response.session_id;
  $('result').hidden = false;
  say('generate', `Generated ${response.total_segments} segment${response.total_segments === 1 ? '' : 's'} in ${seconds} s.`);
  if (token()) loadSessions({ reset: true }).catch((e) => fail('sessions', e));
}

// ---------------------------------------------------------------------------------------------
// Account

async function signIn(username, password) {
  const answer = await api('POST', '/api/v1/auth/login-json', { json: { username, password } });
  sessionStorage.setItem(TOKEN_KEY, answer.access_token);
  await signedIn();
}

async function signedIn() {
  const me = await api('GET', '/api/v1/users/me');
  $('account-summary').textContent = `Signed in as ${me.username}.`;
  $('auth-form').hidden = true;
  $('signed-in').hidden = false;
  $('password').value = '';
  $('sessions-signed-out').hidden = true;
  $('sessions-body').hidden = false;
  $('lipsync-signed-out').hidden = true;
  $('lipsync-form').hidden = false;
  await Promise.all([
    loadStorage(),
    loadSessions({ reset: true }).catch((e) => fail('sessions', e)),
    loadLipsyncChoices().catch((e) => fail('lipsync', e)),
  ]);
}

function signedOut(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  $('account-summary').textContent = 'Not signed in.';
  $('auth-form').hidden = false;
  $('signed-in').hidden = true;
  $('sessions-signed-out').hidden = false;
  $('sessions-body').hidden = true;
  $('session-list').replaceChildren();
  $('lipsync-signed-out').hidden = false;
  $('lipsync-form').hidden = true;
  sessionsState.loaded = [];
  if (reason) say('auth', reason);
}

function credentials() {
  return { username: $('username').value.trim(), password: $('password').value, email: $('email').value.trim() };
}

// ---------------------------------------------------------------------------------------------
// My sessions

const sessionsState = { cursor: null, loaded: [] };

async function loadSessions({ reset }) {
  const page = await api('GET', '/api/v1/tts/sessions', { query: { cursor: reset ? '' : sessionsState.cursor } });
  if (reset) {
    sessionsState.loaded = [];
    $('session-list').replaceChildren();
  }
  sessionsState.loaded.push(...page.sessions);
  sessionsState.cursor = page.next_cursor;
  $('session-list').append(...page.sessions.map(renderSession));
  $('sessions-more').hidden = !page.next_cursor;
  if (sessionsState.loaded.length === 0) {
    $('session-list').append(el('li', { className: 'session empty', text: 'No sessions yet: generate some speech while signed in.' }));
  }
  say('sessions', `${sessionsState.loaded.length} session${sessionsState.loaded.length === 1 ? '' : 's'} shown.`);
  fillLipsyncSessions();
}

function sessionLabel(session) {
  const first = (session.audio_segments[0] || {}).graphemes || '';
  const preview = first.length > 60 ? `${first.slice(0, 57)}…` : first;
  return `${new Date(session.created_at).toLocaleString()} · ${preview}`;
}

function renderSession(session) {
  const item = el('li', { className: 'session', attrs: { 'data-session-id': session.session_id } });
  item.append(el('p', { className: 'session-title', text: sessionLabel(session) }));
  item.append(el('p', { className: 'meta', text:
    `${session.total_segments} segment${session.total_segments === 1 ? '' : 's'} · voice ${session.voice} · ` +
    `speed ${session.speed} · ${session.storage_type} · ${session.session_id}` }));
  if (session.audio_expired_at) {
    item.append(el('p', { className: 'meta', text: `Its audio was removed by the bucket's lifecycle rule on ${new Date(session.audio_expired_at).toLocaleString()}.` }));
  }
  const urls = el('button', { className: 'secondary', text: 'Get fresh URLs', attrs: { type: 'button' } });
  urls.setAttribute('aria-label', `Get fresh URLs for session ${session.session_id}`);
  const remove = el('button', { className: 'danger', text: 'Delete', attrs: { type: 'button' } });
  remove.setAttribute('aria-label', `Delete session ${session.session_id}`);
  const segments = el('ol', { className: 'segments' });
  urls.addEventListener('click', () => busy('sessions', urls, async () => {
    // GET of a session mints new URLs (presigned in S3, signed here) every time.
    const fresh = await api('GET', `/api/v1/tts/sessions/${encodeURIComponent(session.session_id)}`);
    segments.replaceChildren(...fresh.audio_segments.map((segment, i) =>
      renderSegment(segment, fresh.audio_files[i], fresh.language_code, 'sessions')));
    say('sessions', `Fresh URLs for session ${session.session_id}${fresh.expires_at ? `, valid until ${formatTime(fresh.expires_at)}` : ''}.`);
    for (const warning of fresh.warnings || []) segments.append(el('li', { className: 'warnings', text: warning }));
  }));
  remove.addEventListener('click', () => busy('sessions', remove, async () => {
    if (!window.confirm(`Delete session ${session.session_id} and its audio?`)) return;
    const answer = await api('DELETE', `/api/v1/tts/sessions/${encodeURIComponent(session.session_id)}`);
    // 200, or 202: deleted all the same, with some audio left for the server to remove later.
    item.remove();
    sessionsState.loaded = sessionsState.loaded.filter((s) => s.session_id !== session.session_id);
    fillLipsyncSessions();
    const left = [...(answer.local_failures || []), ...(answer.s3_failures || [])];
    say('sessions', left.length
      ? `Session ${session.session_id} deleted; the server removes the rest of its audio once storage answers (${left.join('; ')}).`
      : `Session ${session.session_id} deleted.`);
  }));
  item.append(el('div', { className: 'actions' }, [urls, remove]), segments);
  return item;
}

// ---------------------------------------------------------------------------------------------
// Lipsync

async function loadLipsyncChoices() {
  const [models, modes] = await Promise.all([
    api('GET', '/api/v1/lipsync/models'),
    api('GET', '/api/v1/lipsync/sync-modes'),
  ]);
  $('lipsync-model').replaceChildren(...models.models.map((m) =>
    option(m, `${m}${models.descriptions[m] ? ` — ${models.descriptions[m]}` : ''}`, m === models.default)));
  $('lipsync-mode').replaceChildren(...modes.sync_modes.map((m) =>
    option(m, `${m}${modes.descriptions[m] ? ` — ${modes.descriptions[m]}` : ''}`, m === modes.default)));
}

function fillLipsyncSessions() {
  const select = $('lipsync-session');
  const chosen = select.value;
  select.replaceChildren(...sessionsState.loaded.map((s) => option(s.session_id, sessionLabel(s), s.session_id === chosen)));
  fillLipsyncSegments();
}

function fillLipsyncSegments() {
  const session = sessionsState.loaded.find((s) => s.session_id === $('lipsync-session').value);
  $('lipsync-segment').replaceChildren(...(session ? session.audio_segments : []).map((seg) => {
    const text = seg.graphemes.length > 40 ? `${seg.graphemes.slice(0, 37)}…` : seg.graphemes;
    return option(String(seg.index), `${seg.index + 1}: ${text}`);
  }));
}

let lipsyncTimer = 0;

function showJob(job) {
  $('lipsync-job').hidden = false;
  $('lipsync-job-id').textContent = job.job_id;
  $('lipsync-job-status').textContent = job.status;
  $('lipsync-progress').value = job.progress || 0;
  if (job.output_url) {
    $('lipsync-output-link').href = job.output_url;
    $('lipsync-output').hidden = false;
  }
  if (job.error_message) fail('lipsync', new Error(`The provider says: ${job.error_message}`));
}

async function pollJob(jobId, apiKey) {
  clearTimeout(lipsyncTimer);
  try {
    const job = await api('GET', `/api/v1/lipsync/status/${encodeURIComponent(jobId)}`, { query: { api_key: apiKey } });
    showJob(job);
    if (FINAL_LIPSYNC_STATUSES.has(job.status)) {
      if (job.status === 'COMPLETED') say('lipsync', 'The lipsynced video is ready.');
      return;
    }
    say('lipsync', `Status ${job.status}; checking again every ${LIPSYNC_POLL_MS / 1000} s…`);
    lipsyncTimer = setTimeout(() => pollJob(jobId, apiKey), LIPSYNC_POLL_MS);
  } catch (e) {
    fail('lipsync', e);
  }
}

async function createLipsync() {
  if (!$('video-url').value.trim() || !$('lipsync-session').value) {
    fail('lipsync', new Error('A video URL and one of your sessions are needed.'));
    return;
  }
  const apiKey = $('lipsync-key').value;
  $('lipsync-output').hidden = true;
  const job = await api('POST', '/api/v1/lipsync/create-from-tts', {
    query: {
      video_url: $('video-url').value.trim(),
      session_id: $('lipsync-session').value,
      segment_index: $('lipsync-segment').value,
      model: $('lipsync-model').value,
      sync_mode: $('lipsync-mode').value,
      api_key: apiKey,
    },
  });
  say('lipsync', job.message);
  showJob(job);
  if (!FINAL_LIPSYNC_STATUSES.has(job.status)) {
    lipsyncTimer = setTimeout(() => pollJob(job.job_id, apiKey), LIPSYNC_POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function wire() {
  $('text').addEventListener('input', updateCount);
  $('language').addEventListener('change', onLanguageChange);
  for (const radio of document.querySelectorAll('input[name="storage"]')) {
    radio.addEventListener('change', () => { storageChosen = true; });
  }
  $('speed').addEventListener('input', () => { $('speed-value').textContent = `${Number($('speed').value).toFixed(2)}×`; });
  $('generate-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy('generate', $('generate-button'), generate);
  });
  $('auth-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy('auth', $('sign-in-button'), async () => {
      const { username, password } = credentials();
      await signIn(username, password);
      say('auth', 'Signed in.');
    });
  });
  $('register-button').addEventListener('click', () => busy('auth', $('register-button'), async () => {
    const { username, password, email } = credentials();
    await api('POST', '/api/v1/auth/register', { json: { username, email, password } });
    await signIn(username, password);
    say('auth', `Account ${username} created; you are signed in.`);
  }));
  $('sign-out-button').addEventListener('click', () => {
    signedOut('Signed out.');
    loadStorage();
  });
  $('sessions-refresh').addEventListener('click', () => busy('sessions', $('sessions-refresh'), () => loadSessions({ reset: true })));
  $('sessions-more').addEventListener('click', () => busy('sessions', $('sessions-more'), () => loadSessions({ reset: false })));
  $('lipsync-session').addEventListener('change', fillLipsyncSegments);
  $('lipsync-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy('lipsync', $('lipsync-button'), createLipsync);
  });
}

async function start() {
  wire();
  updateCount();
  try {
    await loadCatalogue();
  } catch (e) {
    fail('generate', new Error(`The voices and languages could not be loaded: ${e.message}`));
  }
  if (token()) {
    try {
      await signedIn();
    } catch (e) {
      fail('auth', e);
    }
  } else {
    await loadStorage();
  }
  document.body.dataset.ready = 'true';
}

start();
