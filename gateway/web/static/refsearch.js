// Referral directory searches for the console: the contact record's type-ahead picker (pages of
// /api/referrals, so every entry of a directory of thousands can be found) and the facet filters
// of the referrals dialog (state, service, language, with the values the directory holds).
import { h } from './common.js';

const PAGE = 20;

async function search(params) {
  const r = await fetch('/api/referrals?' + new URLSearchParams(params), { credentials: 'same-origin' });
  if (!r.ok) throw new Error(String(r.status));
  return r.json();
}

// referralPicker returns a search box whose matches, a page at a time, are buttons calling
// pick(entry). t is the screen's texts.
export function referralPicker(t, pick) {
  const input = h('input.ref-find', { type: 'search', autocomplete: 'off', placeholder: t('desk_add_referral'), 'aria-label': t('desk_add_referral') });
  const list = h('ul.ref-found', { role: 'listbox' });
  const more = h('button.ref-more.hidden', { type: 'button', text: t('dir_more') });
  let shown = 0, asked = 0, timer;
  const show = async (from) => {
    const q = input.value.trim(), mine = ++asked;
    if (!q) { list.replaceChildren(); more.classList.add('hidden'); return; }
    let d;
    try { d = await search({ q, offset: from, limit: PAGE }); } catch { return; }
    if (mine !== asked) return; // a later keystroke's answer wins
    const items = d.results.map((r) => h('li', {}, h('button.ref-choice', { type: 'button', text: r.name, onclick: () => {
      pick(r);
      input.value = '';
      list.replaceChildren();
      more.classList.add('hidden');
    } })));
    if (from === 0) list.replaceChildren(...items); else list.append(...items);
    if (!d.total) list.replaceChildren(h('li.muted', { text: t('referral_none') }));
    shown = from + d.results.length;
    more.classList.toggle('hidden', shown >= d.total);
  };
  // What is typed here searches; it is not part of the record the form around it saves.
  input.addEventListener('change', (e) => e.stopPropagation());
  input.addEventListener('input', (e) => { e.stopPropagation(); clearTimeout(timer); timer = setTimeout(() => show(0), 200); });
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });
  more.addEventListener('click', () => show(shown));
  return h('div.ref-picker', {}, input, list, more);
}

export const FACETS = ['state', 'service', 'language'];

// fillFacets fills the dialog's facet selects (inside box) with the directory's values (read once
// per page) and sets them to preset's values (each other keeps the value it has). onchange runs a
// search.
let facetValues = null;
export async function fillFacets(t, box, onchange, preset = {}) {
  if (!box.children.length) {
    box.append(...FACETS.map((f) => h('label.ref-facet', {}, h('span', { text: t('dir_facet_' + f) }),
      h('select', { name: f, onchange }, h('option', { value: '', text: t('dir_all') })))));
  }
  if (!facetValues) {
    try { facetValues = (await search({ limit: 1 })).facets || {}; } catch { return; }
  }
  for (const sel of box.querySelectorAll('select')) {
    const keep = sel.name in preset ? preset[sel.name] : sel.value;
    sel.replaceChildren(h('option', { value: '', text: t('dir_all') }),
      ...[...(facetValues[sel.name] || [])].sort((a, b) => a.value.localeCompare(b.value)).map((c) => h('option', { value: c.value, text: c.value })));
    if (keep && !sel.querySelector(`option[value="${CSS.escape(keep)}"]`)) sel.append(h('option', { value: keep, text: keep }));
    sel.value = keep;
  }
}

// facetFilter reads the selects of box.
export function facetFilter(box) {
  const f = {};
  for (const sel of box.querySelectorAll('select')) f[sel.name] = sel.value;
  return f;
}
