// The admin console's referral directory (search with facets, create, edit, delete, CSV import
// and export) and canned replies (a title and a text per language). The server checks the role
// and audits every change; a refusal comes back in the admin's language and is shown here.
import { h, toast } from './common.js';

const $ = (id) => document.getElementById(id);
const facets = ['state', 'city', 'service', 'language', 'population'];
const lists = ['states', 'cities', 'services', 'languages', 'populations'];
const fields = ['name', 'phone', 'text', 'email', 'site', ...lists, 'hours', 'notes'];
const st = { t: null, account: null, lang: 'en', entries: [], total: 0, editing: null, langs: ['en', 'es'] };

async function call(path, body, raw) {
  const opts = { credentials: 'same-origin', headers: { 'Accept-Language': st.lang } };
  if (body !== undefined) {
    opts.method = 'POST';
    opts.headers['Content-Type'] = raw ? 'text/csv' : 'application/json';
    opts.headers['X-CSRF-Token'] = st.account.csrf;
    opts.body = raw ? body : JSON.stringify(body);
  }
  const res = await fetch(`${path}${path.includes('?') ? '&' : '?'}lang=${st.lang}`, opts);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error([data.error || `${res.status}`, data.detail].filter(Boolean).join(' '));
    err.rows = data.rows;
    throw err;
  }
  return data;
}

const split = (s) => s.split(';').map((x) => x.trim()).filter(Boolean);

function query(offset) {
  const p = new URLSearchParams({ q: $('dir-q').value.trim(), offset: String(offset), limit: '50' });
  for (const f of facets) if ($('dir-' + f).value) p.set(f, $('dir-' + f).value);
  return p.toString();
}

// search lists the directory as the filters say; more adds the next page.
async function search(more) {
  $('dir-error').textContent = '';
  let res;
  try {
    res = await call('/api/admin/directory?' + query(more ? st.entries.length : 0));
  } catch (err) { $('dir-error').textContent = err.message; return; }
  st.entries = more ? [...st.entries, ...res.results] : res.results;
  st.total = res.total;
  for (const f of facets) {
    const sel = $('dir-' + f), keep = sel.value;
    sel.replaceChildren(h('option', { value: '', text: `${st.t('dir_facet_' + f)}: ${st.t('dir_all')}` }),
      ...(res.facets[f] || []).map((c) => h('option', { value: c.value, text: `${c.value} (${c.count})` })));
    if (keep && ![...sel.options].some((o) => o.value === keep)) sel.append(h('option', { value: keep, text: keep }));
    sel.value = keep;
  }
  renderList();
}

function renderList() {
  const t = st.t;
  $('dir-count').textContent = t('dir_count', { Count: st.total });
  const cols = [t('dir_f_name'), t('dir_f_phone'), t('dir_facet_state'), t('dir_facet_service'), t('dir_facet_language'), ''];
  $('dir-list').replaceChildren(h('thead', {}, h('tr', {}, cols.map((c) => h('th', { text: c })))),
    h('tbody', {}, st.entries.map((e) => h('tr', { 'data-entry': e.id },
      h('td', { 'data-label': cols[0] }, h('strong', { text: e.name }), e.confidential ? h('div.confidential', { text: t('dir_confidential') }) : null),
      h('td', { 'data-label': cols[1], text: [e.phone, e.text].filter(Boolean).join(' · ') }),
      h('td', { 'data-label': cols[2], text: [...e.states, ...e.cities].join(', ') }),
      h('td', { 'data-label': cols[3], text: e.services.join(', ') }),
      h('td', { 'data-label': cols[4], text: e.languages.join(', ') }),
      h('td', {}, h('div.acts', {},
        h('button.edit', { type: 'button', text: t('dir_edit'), onclick: () => openEntry(e) }),
        h('button.delete.danger', { type: 'button', text: t('dir_delete'), onclick: () => remove(e) })))))));
  $('dir-more').classList.toggle('hidden', st.entries.length >= st.total);
}

function openEntry(e) {
  st.editing = e;
  $('dir-form-title').textContent = e ? e.name : st.t('dir_new');
  for (const f of fields) $('dir-f-' + f).value = e ? (lists.includes(f) ? e[f].join('; ') : e[f] || '') : '';
  $('dir-f-confidential').checked = !!e?.confidential;
  $('dir-form-error').textContent = '';
  $('dir-form').classList.remove('hidden');
  $('dir-f-name').focus();
}

async function save(ev) {
  ev.preventDefault();
  const body = { confidential: $('dir-f-confidential').checked };
  for (const f of fields) body[f] = lists.includes(f) ? split($('dir-f-' + f).value) : $('dir-f-' + f).value.trim();
  const path = st.editing ? `/api/admin/directory/${encodeURIComponent(st.editing.id)}` : '/api/admin/directory';
  let res;
  try { res = await call(path, body); } catch (err) { $('dir-form-error').textContent = err.message; return; }
  $('dir-form').classList.add('hidden');
  toast(st.t('dir_saved', { Name: res.entry.name }));
  search(false);
}

async function remove(e) {
  if (!confirm(st.t('dir_delete_confirm', { Name: e.name }))) return;
  try { await call(`/api/admin/directory/${encodeURIComponent(e.id)}/delete`, {}); } catch (err) { $('dir-error').textContent = err.message; return; }
  toast(st.t('dir_deleted', { Name: e.name }));
  search(false);
}

async function importCSV(ev) {
  ev.preventDefault();
  const file = $('dir-file').files[0];
  $('dir-import-errors').replaceChildren();
  if (!file) return;
  let res;
  try {
    res = await call(`/api/admin/directory/import?mode=${$('dir-mode').value}`, await file.text(), true);
  } catch (err) {
    $('dir-import-errors').replaceChildren(h('p', { text: err.message }),
      h('ul', {}, (err.rows || []).map((r) => h('li', { text: st.t('dir_err_row', { Row: r.row, Error: r.error }) }))));
    return;
  }
  toast(st.t('dir_imported', { Added: res.imported.added, Updated: res.imported.updated, Removed: res.imported.removed }));
  search(false);
}

// ---- canned replies ----

async function loadCanned() {
  $('canned-error').textContent = '';
  let res;
  try { res = await call('/api/admin/canned'); } catch (err) { $('canned-error').textContent = err.message; return; }
  st.langs = res.languages;
  $('canned-list').replaceChildren(...res.replies.map((r) => cannedItem(r)));
}

function cannedItem(r) {
  const t = st.t;
  const isNew = !r;
  r = r || { key: '', texts: {} };
  const key = h('input', { value: r.key, maxlength: 40, autocomplete: 'off', spellcheck: 'false', 'aria-label': t('admin_canned_key') });
  const inputs = {};
  const err = h('p.error', { role: 'alert' });
  const item = h('form.canned-item', { 'data-canned': r.key, onsubmit: async (ev) => {
    ev.preventDefault();
    const texts = {};
    for (const l of st.langs) texts[l] = { title: inputs[l].title.value.trim(), text: inputs[l].text.value.trim() };
    const k = key.value.trim();
    try { await call(`/api/admin/canned/${encodeURIComponent(k)}`, { texts }); } catch (e) { err.textContent = e.message; return; }
    toast(t('admin_canned_saved', { Key: k }));
    loadCanned();
  } },
  isNew ? h('label', {}, t('admin_canned_key'), key) : h('h3', { text: r.key }),
  h('div.grid', {}, st.langs.map((l) => {
    inputs[l] = { title: h('input', { name: `title-${l}`, value: r.texts[l]?.title || '', maxlength: 80, lang: l }),
      text: h('textarea', { name: `text-${l}`, maxlength: 1000, lang: l }) };
    inputs[l].text.value = r.texts[l]?.text || '';
    return h('div', {}, h('label', {}, t('admin_canned_title_l', { Lang: l }), inputs[l].title),
      h('label', {}, t('admin_canned_text_l', { Lang: l }), inputs[l].text));
  })),
  err,
  h('div.buttons', {}, h('button.primary.save', { type: 'submit', text: t('admin_save') }),
    isNew ? null : h('button.delete.danger', { type: 'button', text: t('dir_delete'), onclick: async () => {
      if (!confirm(t('admin_canned_delete_confirm', { Key: r.key }))) return;
      try { await call(`/api/admin/canned/${encodeURIComponent(r.key)}/delete`, {}); } catch (e) { err.textContent = e.message; return; }
      loadCanned();
    } })));
  return item;
}

// setupDirectory fills the directory's and canned replies' sections and loads them.
export function setupDirectory(t, account, lang) {
  Object.assign(st, { t, account, lang });
  const texts = [['dir-title', 'dir_title'], ['dir-new', 'dir_new'], ['dir-export', 'dir_export'], ['dir-import-l', 'dir_import'],
    ['dir-import-go', 'dir_import'], ['dir-save', 'admin_save'], ['dir-cancel', 'admin_cancel'], ['dir-more', 'dir_more'],
    ['canned-title', 'admin_canned_title'], ['canned-new', 'admin_canned_new'], ['canned-hint', 'admin_canned_hint']];
  for (const [id, key] of texts) $(id).textContent = t(key);
  $('dir-q').placeholder = t('dir_search');
  $('dir-q').setAttribute('aria-label', t('dir_search'));
  for (const f of facets) $('dir-' + f).setAttribute('aria-label', t('dir_facet_' + f));
  $('dir-mode').replaceChildren(h('option', { value: 'merge', text: t('dir_import_merge') }), h('option', { value: 'replace', text: t('dir_import_replace') }));
  $('dir-fields').replaceChildren(...fields.map((f) => h('label', {}, h('span', { text: t('dir_f_' + f) }),
    f === 'notes' ? h('textarea', { id: 'dir-f-' + f, maxlength: 2000 }) : h('input', { id: 'dir-f-' + f, maxlength: 300, autocomplete: 'off' }))),
  h('label.inline', {}, h('input', { type: 'checkbox', id: 'dir-f-confidential' }), ' ', t('dir_f_confidential')));
  let timer;
  $('dir-q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => search(false), 200); });
  for (const f of facets) $('dir-' + f).addEventListener('change', () => search(false));
  $('dir-more').addEventListener('click', () => search(true));
  $('dir-new').addEventListener('click', () => openEntry(null));
  $('dir-form').addEventListener('submit', save);
  $('dir-cancel').addEventListener('click', () => $('dir-form').classList.add('hidden'));
  $('dir-import-form').addEventListener('submit', importCSV);
  $('canned-new').addEventListener('click', () => { const it = cannedItem(null); $('canned-list').prepend(it); it.querySelector('input').focus(); });
  search(false);
  loadCanned();
}
