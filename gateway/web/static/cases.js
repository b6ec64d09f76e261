// The supervisors' case desk: the case list with its filters, and the way to the case page, the
// blocklist and the audit log (casepage.js, deskadmin.js). Everything comes from /api/desk; a
// refusal comes back in the reader's language and is shown where the person acted.
import { h, loadTexts, pickLang, me, signOutForm, toast, duration } from './common.js';
import { showCase } from './casepage.js';
import { showBlocks, showAudit } from './deskadmin.js';

export const desk = { t: null, account: null, lang: 'en' };
const $ = (id) => document.getElementById(id);

// api fetches a desk route; body makes it a POST with the CSRF token. A refusal throws an Error
// whose message is the server's localized reason.
export async function api(path, body) {
  const opts = { credentials: 'same-origin', headers: { 'Accept-Language': desk.lang } };
  if (body !== undefined) {
    opts.method = 'POST';
    opts.headers['Content-Type'] = 'application/json';
    opts.headers['X-CSRF-Token'] = desk.account.csrf;
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  if (res.status === 401 && body === undefined) { location.href = '/login?next=/cases'; throw new Error('signed out'); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    // The desk's own refusals come in the reader's language (with their key); anything else
    // (echo's CSRF or role refusal, a rate limit, a failure) is named by its status, never in
    // the server's English. A signed-out POST stays on the page, so what was typed is kept.
    const err = new Error(data.key ? data.error : httpText(res.status));
    err.detail = data.detail || '';
    throw err;
  }
  return data;
}

function httpText(status) {
  const key = { 401: 'desk_err_http_401', 403: 'desk_err_http_403', 429: 'desk_err_http_429' }[status] || 'desk_err_http_other';
  return desk.t ? desk.t(key) : String(status);
}

// sla renders a case's clock: stopped (reported or closed), overdue, or the time left.
export function sla(c, now = Date.now()) {
  const t = desk.t;
  if (c.sla_stopped_at) {
    const took = (Date.parse(c.sla_stopped_at) - Date.parse(c.created_at)) / 1000;
    return h('span.sla.stopped', { 'data-sla': 'stopped', text: t('desk_sla_stopped', { Time: duration(took) }) });
  }
  if (!c.due_at) return h('span.sla', { text: '—' });
  const left = (Date.parse(c.due_at) - now) / 1000;
  if (left < 0) return h('span.sla.overdue', { 'data-sla': 'overdue', text: t('desk_sla_overdue', { Time: duration(-left) }) });
  return h('span.sla', { 'data-sla': 'running', text: t('desk_sla_due', { Time: duration(left) }) });
}

export function stateText(c) {
  const t = desk.t;
  return c.outcome ? `${t('desk_state_' + c.state)} · ${t('desk_outcome_' + c.outcome)}` : t('desk_state_' + c.state);
}

export function when(iso) { return iso ? new Date(iso).toLocaleString(desk.lang) : ''; }

function options(sel, pairs, value = '') {
  sel.replaceChildren(...pairs.map(([v, label]) => h('option', { value: v, text: label, selected: v === value })));
}

let cases = [];
let loads = 0; // the latest list request: an older answer arriving late is dropped
async function loadList() {
  const q = new URLSearchParams(new FormData($('filters')));
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  history.replaceState(null, '', `/cases${q.toString() ? '?' + q : ''}`);
  $('list-error').textContent = '';
  const mine = ++loads, list = $('case-list');
  list.setAttribute('aria-busy', 'true');
  try {
    const got = (await api(`/api/desk/cases?${q}`)).cases;
    if (mine !== loads) return;
    cases = got;
  } catch (err) {
    if (mine === loads) $('list-error').textContent = err.message;
    return;
  } finally {
    if (mine === loads) list.removeAttribute('aria-busy');
  }
  renderList();
}

function renderList() {
  const t = desk.t;
  if (!cases.length) { $('case-list').replaceChildren(h('p.muted', { text: t('desk_no_cases') })); return; }
  $('case-list').replaceChildren(...cases.map((c) => h(`a.case-row${c.urgency === 'urgent' ? '.urgent' : ''}`,
    { href: `/cases/${c.id}`, 'data-case': c.id, onclick: (e) => { e.preventDefault(); go(`/cases/${c.id}`); } },
    h('span.ref', { text: c.ref }),
    h('span', {}, h(`span.badge${c.urgency === 'urgent' ? '.urgent' : ''}`, { text: t('urgency_' + c.urgency) })),
    sla(c),
    h('span', { text: `${stateText(c)}${c.assigned_to ? ' · ' + c.assigned_to : ''}` }),
    h('span.excerpt', { text: (c.summary || '').split('\n').slice(0, 3).join(' · ') }))));
}

// tickClocks updates the SLA clocks of the listed cases in place: the rows stay, so a row that
// has the keyboard's focus, or is being clicked, is not swapped away under the person.
function tickClocks() {
  const byID = new Map(cases.map((c) => [c.id, c]));
  for (const row of $('case-list').querySelectorAll('.case-row')) {
    const c = byID.get(row.dataset.case);
    if (c) row.querySelector('.sla')?.replaceWith(sla(c));
  }
}

async function setupFilters() {
  const t = desk.t;
  for (const [id, key] of [['f-state-l', 'desk_f_state'], ['f-urgency-l', 'flag_urgency'], ['f-sla-l', 'desk_f_sla'],
    ['f-assignee-l', 'desk_f_assignee'], ['f-q-l', 'desk_f_text'], ['f-go', 'desk_f_go']]) $(id).textContent = t(key);
  const p = new URLSearchParams(location.search);
  options($('f-state'), [['', t('desk_any')], ['open', t('desk_state_open')], ['reported', t('desk_state_reported')], ['closed', t('desk_state_closed')]], p.get('state') ?? 'open');
  options($('f-urgency'), [['', t('desk_any')], ...['urgent', 'non_urgent', 'lacking_info'].map((u) => [u, t('urgency_' + u)])], p.get('urgency') || '');
  options($('f-sla'), [['', t('desk_any')], ['running', t('desk_sla_running')], ['overdue', t('desk_sla_overdue_f')]], p.get('sla') || '');
  const accounts = (await api('/api/desk/accounts')).accounts;
  desk.accounts = accounts;
  options($('f-assignee'), [['', t('desk_any')], ['-', t('desk_unassigned')], ...accounts.map((a) => [a.id, a.name])], p.get('assignee') || '');
  $('f-q').value = p.get('q') || '';
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); loadList(); });
  $('filters').addEventListener('change', (e) => { if (e.target.tagName === 'SELECT') loadList(); });
}

// go shows the view a path names: /cases (list), /cases/:id, /cases#blocks, /cases#audit.
export function go(path, push = true) {
  if (push && path !== location.pathname + location.search + location.hash) history.pushState(null, '', path);
  const url = new URL(path, location.href);
  const id = url.pathname.match(/^\/cases\/([^/]+)$/)?.[1];
  const view = id ? 'case' : url.hash === '#blocks' ? 'blocks' : url.hash === '#audit' ? 'audit' : 'list';
  for (const v of ['list', 'case', 'blocks', 'audit']) $('view-' + v).classList.toggle('hidden', v !== view);
  for (const a of document.querySelectorAll('.desk-nav a[data-view]')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (view === 'case') showCase(decodeURIComponent(id));
  else if (view === 'blocks') showBlocks();
  else if (view === 'audit') showAudit();
  else loadList();
}

async function main() {
  desk.lang = pickLang();
  [desk.t, desk.account] = await Promise.all([loadTexts(desk.lang), me()]);
  const t = desk.t;
  document.documentElement.lang = desk.lang;
  document.title = `${t('app_name')} · ${t('desk_title')}`;
  $('title').textContent = t('desk_title');
  $('who').textContent = desk.account.name;
  for (const [id, key] of [['nav-cases', 'cases'], ['nav-blocks', 'desk_blocks'], ['nav-audit', 'desk_audit'], ['nav-supervisor', 'supervisor_title']]) $(id).textContent = t(key);
  $('lang-toggle').textContent = t('other_lang');
  $('lang-toggle').href = `?lang=${desk.lang === 'es' ? 'en' : 'es'}${location.hash}`;
  $('signout-slot').append(signOutForm(desk.account.csrf, t('logout')));
  for (const a of document.querySelectorAll('.desk-nav a[data-view]')) {
    a.addEventListener('click', (e) => { e.preventDefault(); go(a.getAttribute('href')); });
  }
  window.addEventListener('popstate', () => go(location.pathname + location.search + location.hash, false));
  await setupFilters();
  go(location.pathname + location.search + location.hash, false);
  setInterval(() => { if (!$('view-list').classList.contains('hidden')) tickClocks(); }, 1000);
}

main().catch((err) => { if (err.message !== 'signed out') toast(String(err.message || err), true); });
