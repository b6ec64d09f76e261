// OpenHotline chat widget. Embed with
//   <script src="https://hotline.example/chat/widget.js" type="module"></script>
// It talks to the websocket beside it (/chat/ws); the protocol is docs/chat-protocol.md.
// Nothing is kept but the resume token and the chosen language, in sessionStorage, so that
// nothing survives closing the tab; quick exit clears even that.

import { Frame, ErrorCode, SessionState, From, EndReason } from './protocol.js';

const base = new URL('./', import.meta.url);
const STORE = 'ohc.session';
const SIZE = 'ohc.size';

let conf;           // widget.json: strings, limits, neutral URL
let lang = 'en';
let chosen = false;   // the visitor picked a language; until then labels show both
let ws = null;
let phase = 'closed'; // closed | language | notice | connecting | waiting | active | ended
let session = null;   // {token, lang}
let lastID = '';      // newest message id shown
let attempt = 0;      // reconnect attempts in a row
let reconnectTimer = 0;
let leaving = false;  // quick exit under way: nothing more happens
const seen = new Set();
const pending = new Map(); // client_id → {body, li}
let typingTimer = 0;
let lastTyping = 0;
let lastEscape = 0;
const ui = {};

// t is a text in the chat's language; with vars.count, the plural form that count takes there.
function t(key, vars = {}) {
  const table = conf.strings[lang] || conf.strings.en;
  if (vars.count !== undefined && !(key in table)) {
    const form = `${key}.${new Intl.PluralRules(lang).select(vars.count)}`;
    key = form in table ? form : `${key}.other`;
  }
  const s = table[key] || conf.strings.en[key] || key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v != null) el.setAttribute(k, v);
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

// label sets an element's text from a string key now and whenever the language changes.
function label(el, key, attr) {
  el.dataset.i18n = key;
  if (attr) el.dataset.i18nAttr = attr;
  return el;
}

function relabel() {
  ui.root.lang = lang;
  for (const el of ui.root.querySelectorAll('[data-i18n]')) {
    const text = t(el.dataset.i18n, { max: conf.max_length });
    if (el.dataset.i18nAttr) el.setAttribute(el.dataset.i18nAttr, text);
    else el.textContent = text;
  }
  if (!chosen) ui.exitFixed.textContent = `${conf.strings.en.quick_exit} · ${conf.strings.es.quick_exit}`;
}

function radios(name, key) {
  const group = h('fieldset', { class: 'ohc-question' }, label(h('legend'), key));
  for (const [value, k] of [['yes', 'yes'], ['no', 'no'], ['', 'skip']]) {
    const id = `ohc-${name}-${value || 'skip'}`;
    group.append(h('span', { class: 'ohc-choice' },
      h('input', { type: 'radio', name, id, value, checked: value === '' }),
      label(h('label', { for: id }), k)));
  }
  return group;
}

function build() {
  ui.exitFixed = label(h('button', { type: 'button', class: 'ohc-exit ohc-exit-fixed', onclick: quickExit }), 'quick_exit');
  ui.launcher = h('button', { type: 'button', class: 'ohc-launcher', 'aria-expanded': 'false', 'aria-controls': 'ohc-panel', onclick: openPanel },
    h('span', { lang: 'en', text: conf.strings.en.launcher }), h('span', { 'aria-hidden': 'true', text: ' · ' }),
    h('span', { lang: 'es', text: conf.strings.es.launcher }));
  ui.title = label(h('h2', { id: 'ohc-title', tabindex: '-1' }), 'title');
  ui.size = label(h('button', { type: 'button', class: 'ohc-size', 'aria-pressed': 'false', onclick: toggleSize }, 'A+'), 'text_size', 'aria-label');
  ui.min = label(h('button', { type: 'button', class: 'ohc-min', onclick: closePanel }, '–'), 'minimize', 'aria-label');
  ui.alert = h('p', { class: 'ohc-alert', role: 'alert' });

  ui.language = h('div', { class: 'ohc-step', 'data-step': 'language' },
    h('h3', { tabindex: '-1' }, h('span', { lang: 'en', text: conf.strings.en.choose_language }), ' / ',
      h('span', { lang: 'es', text: conf.strings.es.choose_language })),
    h('div', { class: 'ohc-langs' },
      h('button', { type: 'button', lang: 'en', 'data-lang': 'en', onclick: () => chooseLanguage('en') }, 'English'),
      h('button', { type: 'button', lang: 'es', 'data-lang': 'es', onclick: () => chooseLanguage('es') }, 'Español')),
    h('p', { class: 'ohc-small', lang: 'en', text: conf.strings.en.other_languages }),
    h('p', { class: 'ohc-small', lang: 'es', text: conf.strings.es.other_languages }));

  ui.danger911 = label(h('p', { class: 'ohc-911', hidden: true }), 'danger_911');
  ui.notice = h('form', { class: 'ohc-step', 'data-step': 'notice', onsubmit: accept },
    label(h('h3', { tabindex: '-1' }), 'notice_title'),
    label(h('p'), 'notice_confidential'), label(h('p'), 'notice_not_police'),
    label(h('p', { class: 'ohc-strong' }), 'notice_emergency'), label(h('p'), 'notice_quick_exit'),
    label(h('p', { class: 'ohc-small' }), 'questions'),
    radios('in_danger', 'q_danger'), radios('under_18', 'q_under18'), ui.danger911,
    label(h('button', { type: 'submit', class: 'ohc-primary ohc-accept' }), 'accept'));
  ui.notice.addEventListener('change', () => { ui.danger911.hidden = ui.notice.elements.in_danger.value !== 'yes'; });

  ui.status = h('p', { class: 'ohc-status', role: 'status' });
  ui.log = h('ol', { class: 'ohc-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-labelledby': 'ohc-title' });
  ui.typing = h('p', { class: 'ohc-typing', 'aria-live': 'polite' });
  ui.input = h('textarea', { id: 'ohc-input', rows: '3', maxlength: String(conf.max_length), onkeydown: inputKey, oninput: typed });
  ui.count = h('p', { class: 'ohc-small ohc-count', id: 'ohc-count', 'aria-live': 'off' });
  ui.input.setAttribute('aria-describedby', 'ohc-count');
  ui.form = h('form', { class: 'ohc-compose', onsubmit: submit },
    label(h('label', { for: 'ohc-input' }), 'message_label'), ui.input, ui.count,
    label(h('button', { type: 'submit', class: 'ohc-primary ohc-send' }), 'send'));
  ui.chat = h('div', { class: 'ohc-step', 'data-step': 'chat' }, ui.status, ui.log, ui.typing, ui.form,
    label(h('button', { type: 'button', class: 'ohc-end', onclick: leave }), 'end'));

  ui.endedText = h('p', { class: 'ohc-ended-text', tabindex: '-1' });
  ui.ended = h('div', { class: 'ohc-step', 'data-step': 'ended' }, ui.endedText,
    label(h('button', { type: 'button', class: 'ohc-primary ohc-new', onclick: newChat }), 'new_chat'));

  ui.panel = h('section', { id: 'ohc-panel', class: 'ohc-panel', role: 'dialog', 'aria-labelledby': 'ohc-title', hidden: true },
    h('header', { class: 'ohc-head' }, ui.title, ui.size, ui.min,
      label(h('button', { type: 'button', class: 'ohc-exit', onclick: quickExit }), 'quick_exit')),
    label(h('p', { class: 'ohc-small ohc-hint' }), 'quick_exit_hint'),
    ui.alert, ui.language, ui.notice, ui.chat, ui.ended);
  ui.root = h('div', { class: 'ohc' }, ui.exitFixed, ui.launcher, ui.panel);
  if (storage('get', SIZE) === 'large') setSize(true);
  document.body.append(ui.root);
  document.addEventListener('keydown', escapeTwice, true);
  relabel();
}

function storage(op, key, value) {
  try {
    if (op === 'get') return sessionStorage.getItem(key);
    if (op === 'set') sessionStorage.setItem(key, value);
    if (op === 'del') sessionStorage.removeItem(key);
  } catch { /* storage disabled: the chat still works, without resume across reloads */ }
  return null;
}

function show(step) {
  for (const s of ui.panel.querySelectorAll('.ohc-step')) s.hidden = s.dataset.step !== step;
  const target = { language: ui.language.querySelector('h3'), notice: ui.notice.querySelector('h3'), chat: ui.input, ended: ui.endedText }[step];
  if (!ui.panel.hidden && target) target.focus();
}

function openPanel() {
  ui.panel.hidden = false;
  ui.launcher.setAttribute('aria-expanded', 'true');
  ui.launcher.hidden = true;
  if (phase === 'closed') phase = 'language';
  show(stepOf(phase));
}

function stepOf(p) {
  return { language: 'language', notice: 'notice', connecting: 'chat', waiting: 'chat', active: 'chat', ended: 'ended' }[p] || 'language';
}

function closePanel() {
  ui.panel.hidden = true;
  ui.launcher.hidden = false;
  ui.launcher.setAttribute('aria-expanded', 'false');
  ui.launcher.focus();
}

function setSize(large) {
  ui.root.classList.toggle('ohc-large', large);
  ui.size.setAttribute('aria-pressed', String(large));
}

function toggleSize() {
  const large = !ui.root.classList.contains('ohc-large');
  setSize(large);
  storage(large ? 'set' : 'del', SIZE, 'large');
}

function chooseLanguage(l) {
  lang = l;
  chosen = true;
  relabel();
  phase = 'notice';
  show('notice');
}

function accept(ev) {
  ev.preventDefault();
  const answer = (name) => ({ yes: true, no: false }[ui.notice.elements[name].value] ?? null);
  phase = 'connecting';
  clearLog();
  show('chat');
  setStatus(t('connecting'));
  connect({ type: Frame.Start, language: lang, consent: true, answers: { in_danger: answer('in_danger'), under_18: answer('under_18') } });
}

function connect(first) {
  const url = new URL('ws', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const sock = new WebSocket(url);
  ws = sock;
  sock.onopen = () => sock.send(JSON.stringify(first));
  sock.onmessage = (e) => { if (ws === sock) receive(JSON.parse(e.data)); };
  sock.onclose = (e) => { if (ws === sock) closed(e); };
}

function resume() {
  setStatus(t('reconnecting'));
  connect({ type: Frame.Resume, token: session.token, last_message_id: lastID });
}

function receive(f) {
  switch (f.type) {
    case Frame.Session: return onSession(f);
    case Frame.Message: return onMessage(f);
    case Frame.Queue: return onQueue(f);
    case Frame.Typing: return onTyping();
    case Frame.AdvocateJoined: phase = 'active'; setStatus(''); return notice(t('advocate_joined'));
    case Frame.AdvocateLeft: phase = 'waiting'; return notice(t('advocate_left'));
    case Frame.End: return onEnd(f.reason);
    case Frame.Error: return onError(f);
  }
}

function onSession(f) {
  const again = attempt > 0;
  attempt = 0;
  session = { token: f.token, lang: f.language };
  storage('set', STORE, JSON.stringify(session));
  if (f.state === SessionState.Waiting) phase = 'waiting';
  if (f.state === SessionState.Active) { phase = 'active'; setStatus(''); }
  if (again) notice(t('reconnected'));
  // Messages typed while the connection was down go now; a message the server already has is
  // recognised by its client_id and stored once.
  for (const [id, p] of pending) ws.send(JSON.stringify({ type: Frame.Message, body: p.body, client_id: id }));
}

function onMessage(f) {
  if (seen.has(f.id)) return;
  seen.add(f.id);
  if (idLess(lastID, f.id)) lastID = f.id;
  if (f.from === From.Advocate) { ui.typing.textContent = ''; }
  const p = f.client_id && pending.get(f.client_id);
  if (p) {
    pending.delete(f.client_id);
    p.li.classList.remove('ohc-pending', 'ohc-failed');
    p.li.querySelector('.ohc-state').textContent = '';
    p.li.querySelector('.ohc-retry')?.remove();
    p.li.dataset.id = f.id;
    return;
  }
  ui.log.append(bubble(f.from, f.body, f.id));
}

// idLess orders message ids ("ms-seq", numeric parts) the way the server does.
function idLess(a, b) {
  if (a === b || !b) return false;
  if (!a) return true;
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  if (am.length !== bm.length) return am.length < bm.length;
  if (am !== bm) return am < bm;
  return as.length !== bs.length ? as.length < bs.length : as < bs;
}

function bubble(from, body, id, state = '') {
  const li = h('li', { class: `ohc-msg ohc-from-${from}` },
    h('span', { class: 'ohc-who', text: t(`from_${from}`) + ': ' }),
    h('span', { class: 'ohc-body', text: body }),
    h('span', { class: 'ohc-state', text: state }));
  if (id) li.dataset.id = id;
  return li;
}

function notice(text) {
  ui.log.append(h('li', { class: 'ohc-msg ohc-notice', text }));
}

function onQueue(f) {
  phase = 'waiting';
  let wait = t('queue_wait_unknown');
  if (f.estimated_wait_seconds > 0) {
    wait = f.estimated_wait_seconds < 60 ? t('queue_wait_soon') : t('queue_wait', { count: Math.ceil(f.estimated_wait_seconds / 60) });
  }
  setStatus(`${t('queue', { position: f.position })} ${wait}`);
}

function onTyping() {
  ui.typing.textContent = t('typing');
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { ui.typing.textContent = ''; }, 5000);
}

function onEnd(reason) {
  phase = 'ended';
  forget();
  ui.endedText.textContent = t(conf.strings.en[`ended_${reason}`] ? `ended_${reason}` : 'ended_closed');
  setStatus('');
  ui.typing.textContent = '';
  show('ended');
}

function onError(f) {
  if (f.code === ErrorCode.Internal && f.client_id && pending.has(f.client_id)) {
    failed(f.client_id);
    return showAlert(t('err_internal'));
  }
  if (f.client_id && pending.has(f.client_id)) {
    const p = pending.get(f.client_id);
    pending.delete(f.client_id);
    p.li.remove();
    if (!ui.input.value) ui.input.value = p.body;
    counter();
  }
  if (f.code === ErrorCode.Resume) return onEnd(EndReason.Closed);
  showAlert(t(`err_${f.code}`, { count: conf.max_length }));
}

// failed marks a message our side could not store: it stays in the log with a button that sends
// it again under the same client_id (stored once however often it arrives). It stays pending, so
// a reconnect sends it too.
function failed(id) {
  const p = pending.get(id);
  p.li.classList.replace('ohc-pending', 'ohc-failed');
  p.li.querySelector('.ohc-state').textContent = t('not_sent');
  if (p.li.querySelector('.ohc-retry')) return;
  const retry = h('button', { type: 'button', class: 'ohc-retry', text: t('retry'), onclick: () => {
    retry.remove();
    p.li.classList.replace('ohc-failed', 'ohc-pending');
    p.li.querySelector('.ohc-state').textContent = t('sending');
    if (ws && ws.readyState === WebSocket.OPEN && session) ws.send(JSON.stringify({ type: Frame.Message, body: p.body, client_id: id }));
  } });
  p.li.append(retry);
}

function showAlert(text) {
  ui.alert.textContent = text;
  clearTimeout(ui.alertTimer);
  ui.alertTimer = setTimeout(() => { ui.alert.textContent = ''; }, 8000);
}

function setStatus(text) { ui.status.textContent = text; }

function closed(e) {
  ws = null;
  if (leaving || phase === 'ended') return;
  if (!session) { // never got a session: nothing to resume
    phase = 'notice';
    show('notice');
    if (!ui.alert.textContent) showAlert(t('err_unavailable'));
    return;
  }
  if (e.code === 1000 || e.code === 1008 || e.code === 1009) {
    if (e.code !== 1000) showAlert(t('err_closed', { reason: e.reason || String(e.code) }));
    return;
  }
  // Dropped: come back with the token; the server sends what we missed.
  setStatus(t('reconnecting'));
  const delay = Math.min(10000, 500 * 2 ** attempt);
  attempt++;
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(resume, delay);
}

function submit(ev) {
  ev.preventDefault();
  const body = ui.input.value.trim();
  if (!body) { showAlert(t('err_empty')); return; }
  const id = crypto.randomUUID();
  const li = bubble(From.Visitor, body, '', t('sending'));
  li.classList.add('ohc-pending');
  ui.log.append(li);
  pending.set(id, { body, li });
  ui.input.value = '';
  counter();
  if (ws && ws.readyState === WebSocket.OPEN && session) ws.send(JSON.stringify({ type: Frame.Message, body, client_id: id }));
}

function inputKey(ev) {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    ui.form.requestSubmit();
  }
}

function typed() {
  counter();
  const now = Date.now();
  if (now - lastTyping > 3000 && ws && ws.readyState === WebSocket.OPEN && session) {
    lastTyping = now;
    ws.send(JSON.stringify({ type: Frame.Typing }));
  }
}

function counter() {
  const left = conf.max_length - ui.input.value.length;
  ui.count.textContent = left < 200 ? t('chars_left', { count: left }) : '';
}

function leave() {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: Frame.End }));
  else onEnd(EndReason.Left);
}

function newChat() {
  clearLog();
  phase = 'language';
  show('language');
}

function clearLog() {
  ui.log.replaceChildren();
  seen.clear();
  pending.clear();
  lastID = '';
  ui.alert.textContent = '';
}

function forget() {
  session = null;
  storage('del', STORE);
  clearTimeout(reconnectTimer);
}

// quickExit leaves at once: it tells the server (over the socket, and by a request that
// outlives the page in case the socket is down), wipes what the widget stored, and replaces the
// page with a neutral site without leaving this page in the history or the referrer.
function quickExit() {
  if (leaving) return;
  leaving = true;
  const token = session && session.token;
  try { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: Frame.QuickExit })); } catch { /* leaving anyway */ }
  try { if (ws) ws.close(1000, 'quick exit'); } catch { /* leaving anyway */ }
  if (token) {
    try { fetch(new URL('exit', base), { method: 'POST', body: token, keepalive: true, mode: 'no-cors', credentials: 'omit', referrerPolicy: 'no-referrer' }); } catch { /* leaving anyway */ }
  }
  try {
    for (const k of Object.keys(sessionStorage)) if (k.startsWith('ohc.')) sessionStorage.removeItem(k);
  } catch { /* nothing stored */ }
  ui.root.remove();
  document.title = '';
  document.head.append(h('meta', { name: 'referrer', content: 'no-referrer' }));
  location.replace(conf.neutral_url);
}

function escapeTwice(ev) {
  if (ev.key !== 'Escape') return;
  const now = Date.now();
  if (now - lastEscape < 1000) quickExit();
  lastEscape = now;
}

// loadStyles adds the widget's stylesheet and resolves once it applies, so the widget never
// shows unstyled.
function loadStyles() {
  return new Promise((resolve) => {
    const link = h('link', { rel: 'stylesheet', href: new URL('widget.css', base).href });
    link.addEventListener('load', resolve);
    link.addEventListener('error', resolve);
    document.head.append(link);
  });
}

async function main() {
  const [res] = await Promise.all([fetch(new URL('widget.json', base), { credentials: 'omit' }), loadStyles()]);
  conf = await res.json();
  build();
  const saved = storage('get', STORE);
  if (saved) {
    try { session = JSON.parse(saved); } catch { session = null; }
  }
  if (session && session.token) {
    lang = session.lang === 'es' ? 'es' : 'en';
    chosen = true;
    relabel();
    phase = 'connecting';
    openPanel();
    resume();
  }
}

main();
