// The desk's blocklist (masked contacts, lift) and audit log (filters, more, CSV for admins).
import { h } from './common.js';
import { desk, api, when } from './cases.js';
import { AUDIT_ACTIONS } from './protocol.js';

const $ = (id) => document.getElementById(id);

export async function showBlocks() {
  const t = desk.t;
  $('blocks-title').textContent = t('desk_blocks');
  $('blocks-error').textContent = '';
  let blocks;
  try {
    blocks = (await api('/api/desk/blocks')).blocks;
  } catch (err) {
    $('blocks-error').textContent = err.message;
    return;
  }
  if (!blocks.length) { $('blocks').replaceChildren(h('p.muted', { text: t('desk_no_blocks') })); return; }
  $('blocks').replaceChildren(h('table', {},
    h('thead', {}, h('tr', {}, [t('desk_contact'), t('desk_reason'), t('desk_until'), t('desk_by'), ''].map((x) => h('th', { text: x })))),
    h('tbody', {}, blocks.map((b) => h('tr', { 'data-block': b.id },
      h('td', { text: b.contact }), h('td', { text: b.reason }), h('td', { text: when(b.until) }),
      h('td', { text: b.by ? `${b.by} · ${when(b.at)}` : when(b.at) }),
      h('td', {}, h('button.lift', { type: 'button', text: t('desk_lift'), onclick: async () => {
        if (!confirm(t('desk_lift_confirm', { Contact: b.contact }))) return;
        try { await api(`/api/desk/blocks/${b.id}/lift`, {}); } catch (err) { $('blocks-error').textContent = err.message; return; }
        showBlocks();
      } })))))));
}

const actions = AUDIT_ACTIONS;
let wired = false;
let next = '';

export function showAudit() {
  const t = desk.t;
  if (!wired) {
    wired = true;
    for (const [id, key] of [['audit-title', 'desk_audit'], ['a-who-l', 'desk_by'], ['a-action-l', 'desk_action'], ['a-case-l', 'desk_ref'],
      ['a-from-l', 'desk_from'], ['a-to-l', 'desk_to'], ['a-go', 'desk_f_go'], ['a-csv', 'desk_csv'], ['audit-more', 'desk_more']]) $(id).textContent = t(key);
    $('a-action').replaceChildren(h('option', { value: '', text: t('desk_any') }), ...actions.map((a) => h('option', { value: a, text: a })));
    $('a-csv').classList.toggle('hidden', desk.account.role !== 'admin');
    $('audit-filters').addEventListener('submit', (e) => { e.preventDefault(); load(false); });
    $('audit-more').addEventListener('click', () => load(true));
  }
  load(false);
}

function query(after) {
  const q = new URLSearchParams(new FormData($('audit-filters')));
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  $('a-csv').href = `/api/desk/audit.csv?${q}`;
  if (after) q.set('after', after);
  return q;
}

async function load(more) {
  const t = desk.t;
  $('audit-error').textContent = '';
  let page;
  try {
    page = await api(`/api/desk/audit?${query(more ? next : '')}`);
  } catch (err) {
    $('audit-error').textContent = err.message;
    return;
  }
  next = page.next;
  $('audit-more').classList.toggle('hidden', !next);
  const rows = page.entries.map((a) => h('tr', {}, h('td', { text: when(a.at) }), h('td', { text: a.who }), h('td', { text: a.action }),
    h('td', { text: a.target || '' }), h('td', { text: Object.entries(a.data || {}).map(([k, v]) => `${k}=${v}`).join('; ') })));
  if (!more) {
    $('audit').replaceChildren(h('thead', {}, h('tr', {}, [t('desk_when'), t('desk_by'), t('desk_action'), t('desk_target'), ''].map((x) => h('th', { text: x })))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 5, class: 'muted', text: t('desk_no_entries') }))));
  } else {
    $('audit').querySelector('tbody').append(...rows);
  }
}
