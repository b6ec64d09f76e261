// Shared by the consoles: DOM helper, texts, the console websocket, sounds and toasts.
import { Frame, Tag } from './protocol.js';

// h builds an element: h('div.cls#id', {attr: v, onclick: f}, child, 'text' …).
export function h(spec, attrs, ...kids) {
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (id) el.id = id;
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

// Texts come from the go-i18n locale files, served as JSON. A message that depends on a number
// (vars.Count) comes as id.one, id.other …: the form is the one CLDR gives the count in lang.
const textsByLang = new Map();
export function loadTexts(lang) {
  if (!textsByLang.has(lang)) textsByLang.set(lang, fetchTexts(lang));
  return textsByLang.get(lang);
}

async function fetchTexts(lang) {
  const res = await fetch(`/api/i18n/${encodeURIComponent(lang)}`);
  const raw = await res.json();
  const plural = new Intl.PluralRules(lang);
  const pick = (id, vars) => {
    if (raw[id] !== undefined || vars.Count === undefined) return raw[id];
    return raw[`${id}.${plural.select(vars.Count)}`] ?? raw[`${id}.other`];
  };
  const t = (id, vars = {}) => (pick(id, vars) ?? id).replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => vars[k] ?? '');
  t.raw = raw;
  return t;
}

export function pickLang() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'es') { localStorage.setItem('hotline.lang', q); return q; }
  const saved = localStorage.getItem('hotline.lang');
  if (saved) return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('es') ? 'es' : 'en';
}

// me returns the signed-in account, or sends the browser to the sign-in page.
export async function me() {
  const res = await fetch('/api/me', { credentials: 'same-origin' });
  if (res.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); throw new Error('signed out'); }
  if (!res.ok) throw new Error('cannot load account: ' + res.status);
  return res.json();
}

export function signOutForm(csrf, label) {
  return h('form', { method: 'post', action: '/logout' },
    h('input', { type: 'hidden', name: 'csrf', value: csrf }),
    h('button', { type: 'submit', id: 'signout', text: label }));
}

// Console is the console websocket: it reconnects by itself and resumes from the last event id,
// so nothing is missed whichever gateway process it reaches.
export class Console {
  constructor(onFrame, onState) {
    this.onFrame = onFrame;
    this.onState = onState;
    this.lastId = '';
    this.backoff = 500;
    this.queue = [];
    this.connect();
    this.beat = setInterval(() => this.send({ type: Frame.Heartbeat }), 5000);
    // The websocket carries no cookies back: a request now and then renews the session cookie,
    // so a console left open through a long shift is not signed out by the browser.
    this.renew = setInterval(() => fetch('/api/me', { credentials: 'same-origin' }).catch(() => {}), 30 * 60 * 1000);
  }
  connect() {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/ws`);
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = 500;
      ws.send(JSON.stringify({ type: Frame.Hello, last_event_id: this.lastId }));
      for (const f of this.queue.splice(0)) ws.send(JSON.stringify(f));
      this.onState(true);
    };
    ws.onmessage = (m) => {
      let f;
      try { f = JSON.parse(m.data); } catch { return; }
      if (f.type === Frame.Snapshot) this.lastId = f.id;
      else if (f.id && f.at) this.lastId = f.id; // events carry their stream id
      this.onFrame(f);
    };
    ws.onclose = async () => {
      this.onState(false);
      try {
        const res = await fetch('/api/me', { credentials: 'same-origin' });
        if (res.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); return; }
      } catch { /* the server is unreachable: keep trying */ }
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    };
  }
  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
    else if (frame.type !== Frame.Heartbeat && frame.type !== Frame.Typing) this.queue.push(frame);
  }
}

// A short two-tone beep through WebAudio: no audio file to load.
export class Beeper {
  unlock() {
    if (!this.ctx) this.ctx = new (window.AudioContext || window.webkitAudioContext)();
    if (this.ctx.state === 'suspended') this.ctx.resume();
  }
  beep(urgent) {
    if (!this.ctx) return;
    const now = this.ctx.currentTime;
    const tones = urgent ? [880, 660, 880] : [660, 880];
    tones.forEach((f, i) => {
      const o = this.ctx.createOscillator();
      const g = this.ctx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, now + i * 0.18);
      g.gain.exponentialRampToValueAtTime(0.25, now + i * 0.18 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      o.connect(g).connect(this.ctx.destination);
      o.start(now + i * 0.18);
      o.stop(now + i * 0.18 + 0.17);
    });
  }
}

let toastTimer;
export function toast(text, bad) {
  let el = document.getElementById('toast');
  if (!el) { el = h('div.toast#toast', { role: 'status', 'aria-live': 'polite' }); document.body.append(el); }
  el.textContent = text;
  el.classList.toggle('bad', !!bad);
  el.classList.remove('hidden');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.add('hidden'), 6000);
}

export function tagsOf(v) {
  if (Array.isArray(v)) return v;
  return String(v || '').split(',').filter(Boolean);
}

export function badges(t, channel, tags) {
  const out = [h(`span.badge.${channel}`, { text: t('badge_' + channel) })];
  for (const tag of tagsOf(tags)) {
    if ([Tag.Relay, Tag.Urgent, Tag.Minor, Tag.Interpreter, Tag.Danger, Tag.UnverifiedSender, Tag.Voicemail, Tag.Callback].includes(tag)) {
      out.push(h(`span.badge.${tag}`, { text: t.raw['badge_' + tag] ? t('badge_' + tag) : tag }));
    }
  }
  return out;
}

export function clock(date) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function duration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  const m = Math.floor(seconds / 60), s = seconds % 60;
  if (m >= 60) return `${Math.floor(m / 60)} h ${m % 60} min`;
  return m ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}
