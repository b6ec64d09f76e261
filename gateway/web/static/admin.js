// The admin console: accounts (list, create, edit, disable/enable, reset password). Everything
// goes through /api/admin, which checks the role; a refusal comes back in the admin's language and
// is shown where the admin acted. A password the server generated is shown once, here.
import { h, loadTexts, pickLang, me, signOutForm, toast } from './common.js';
import { setupDirectory } from './directoryadmin.js';
import { mountSettings } from './settings.js';
import { resetTOTPButton } from './totpadmin.js';

const $ = (id) => document.getElementById(id);
const roles = ['advocate', 'supervisor', 'admin'];
const channels = ['voice', 'sms', 'chat', 'email'];
const st = { t: null, account: null, lang: 'en', accounts: [], editing: null, resetting: null };

// api fetches an admin route; body makes it a POST with the CSRF token. A refusal throws an
// Error whose message is the server's localized reason.
async function api(path, body) {
  const opts = { credentials: 'same-origin', headers: { 'Accept-Language': st.lang } };
  if (body !== undefined) {
    opts.method = 'POST';
    opts.headers['Content-Type'] = 'application/json';
    opts.headers['X-CSRF-Token'] = st.account.csrf;
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(`${path}${path.includes('?') ? '&' : '?'}lang=${st.lang}`, opts);
  if (res.status === 401) { location.href = '/login?next=/admin'; throw new Error('signed out'); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || data.message || `${res.status}`);
  return data;
}

const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

async function load() {
  $('list-error').textContent = '';
  let got;
  try {
    got = (await api('/api/admin/accounts')).accounts;
  } catch (err) {
    $('list-error').textContent = err.message;
    return;
  }
  // The list is rebuilt only when something changed: a rebuild every 15 s would take the focus
  // (or a click) from the row an admin is on.
  const seen = JSON.stringify(got);
  if (seen === st.seen) return;
  st.accounts = got;
  st.seen = seen;
  render();
}

function render() {
  const t = st.t;
  const cols = [t('admin_account'), t('admin_role'), t('admin_languages'), t('admin_channels'), t('admin_skills'),
    t('admin_capacity'), t('admin_state'), ''];
  const cell = (i, text) => h('td', { 'data-label': cols[i], text });
  $('accounts').replaceChildren(h('thead', {}, h('tr', {}, cols.map((c) => h('th', { text: c })))),
    h('tbody', {}, st.accounts.map((a) => h(`tr${a.disabled ? '.disabled' : ''}`, { 'data-account': a.id },
      h('td', { 'data-label': cols[0] }, h('strong', { text: a.name }), h('br'), h('span.muted', { text: a.id })),
      cell(1, t('role_' + a.role)), cell(2, a.languages.join(', ')),
      cell(3, a.channels.map((c) => t('badge_' + c)).join(', ')), cell(4, a.skills.join(', ')),
      cell(5, a.text_capacity ? String(a.text_capacity) : t('admin_default')),
      h('td', { 'data-label': cols[6] }, a.disabled ? h('span.state-off', { text: t('admin_disabled') })
        : `${t('admin_enabled')} · ${t('status_' + (a.online ? a.status : 'offline'))}`),
      h('td', {}, h('div.acts', {},
        h('button.edit', { type: 'button', text: t('admin_edit'), onclick: () => openForm(a) }),
        h('button.password', { type: 'button', text: t('admin_reset_password'), onclick: () => openPassword(a) }),
        resetTOTPButton(a, t, api, (msg) => { $('list-error').textContent = msg; }),
        a.disabled
          ? h('button.enable', { type: 'button', text: t('admin_enable'), onclick: () => toggle(a, 'enable') })
          : h('button.disable.danger', { type: 'button', text: t('admin_disable'), onclick: () => toggle(a, 'disable') })))))));
}

async function toggle(a, action) {
  const t = st.t;
  if (action === 'disable' && !confirm(t('admin_disable_confirm', { Name: a.name }))) return;
  try {
    await api(`/api/admin/accounts/${encodeURIComponent(a.id)}/${action}`, {});
  } catch (err) {
    $('list-error').textContent = err.message;
    return;
  }
  toast(t(action === 'disable' ? 'admin_disabled_done' : 'admin_enabled_done', { Name: a.name }));
  load();
}

// openForm shows the account form: empty to create one, filled to edit a.
function openForm(a) {
  const t = st.t;
  st.editing = a || null;
  $('password-form').classList.add('hidden');
  $('form-title').textContent = a ? t('admin_edit_title', { Name: a.name }) : t('admin_new_title');
  $('f-id-box').classList.toggle('hidden', !!a);
  $('f-pw-box').classList.toggle('hidden', !!a);
  $('f-id').value = a ? a.id : '';
  $('f-name').value = a ? a.name : '';
  $('f-role').value = a ? a.role : 'advocate';
  $('f-langs').value = a ? a.languages.join(', ') : 'en';
  for (const c of channels) $('f-chan-' + c).checked = a ? a.channels.includes(c) : true;
  $('f-skills').value = a ? a.skills.join(', ') : '';
  $('f-cap').value = a ? String(a.text_capacity) : '0';
  $('f-endpoint').value = a ? a.voice_endpoint : '';
  $('f-pw').value = '';
  $('form-hint').textContent = a ? '' : t('admin_password_hint');
  $('form-go').textContent = a ? t('admin_save') : t('admin_create');
  $('form-error').textContent = '';
  $('account-form').classList.remove('hidden');
  (a ? $('f-name') : $('f-id')).focus();
}

async function submitForm(e) {
  e.preventDefault();
  const t = st.t;
  const cap = $('f-cap').value.trim();
  const body = {
    name: $('f-name').value.trim(), role: $('f-role').value, languages: list($('f-langs').value),
    channels: channels.filter((c) => $('f-chan-' + c).checked), skills: list($('f-skills').value),
    text_capacity: cap === '' ? 0 : Number(cap), voice_endpoint: $('f-endpoint').value.trim(),
  };
  if (!Number.isInteger(body.text_capacity)) { $('form-error').textContent = t('admin_err_capacity'); return; }
  let res;
  try {
    if (st.editing) {
      res = await api(`/api/admin/accounts/${encodeURIComponent(st.editing.id)}`, body);
    } else {
      res = await api('/api/admin/accounts', { id: $('f-id').value.trim().toLowerCase(), password: $('f-pw').value, ...body });
    }
  } catch (err) {
    $('form-error').textContent = err.message;
    return;
  }
  $('account-form').classList.add('hidden');
  toast(t(st.editing ? 'admin_saved' : 'admin_created', { Name: res.account.name }));
  if (res.password) showSecret(res.account, res.password);
  load();
}

function openPassword(a) {
  const t = st.t;
  st.resetting = a;
  $('account-form').classList.add('hidden');
  $('pw-title').textContent = t('admin_password_title', { Name: a.name });
  $('pw-generate').checked = true;
  $('pw-new').value = '';
  $('pw-new').disabled = true;
  $('pw-error').textContent = '';
  $('password-form').classList.remove('hidden');
  $('pw-generate').focus();
}

async function submitPassword(e) {
  e.preventDefault();
  const a = st.resetting;
  const password = $('pw-set').checked ? $('pw-new').value : '';
  if ($('pw-set').checked && !password) { $('pw-error').textContent = st.t('admin_err_password'); return; }
  let res;
  try {
    res = await api(`/api/admin/accounts/${encodeURIComponent(a.id)}/password`, { password });
  } catch (err) {
    $('pw-error').textContent = err.message;
    return;
  }
  $('password-form').classList.add('hidden');
  toast(st.t('admin_password_done', { Name: a.name }));
  if (res.password) showSecret(res.account, res.password);
  load();
}

// showSecret shows a password the server generated: once, until the admin dismisses it.
function showSecret(account, password) {
  const t = st.t;
  $('secret-text').textContent = t('admin_secret', { Name: account.name, ID: account.id });
  $('secret-value').textContent = password;
  $('secret').classList.remove('hidden');
  $('secret').scrollIntoView({ block: 'nearest' });
}

function setup() {
  const t = st.t;
  document.documentElement.lang = st.lang;
  document.title = `${t('app_name')} · ${t('admin_title')}`;
  const texts = [['title', 'admin_title'], ['nav-accounts', 'admin_accounts'], ['nav-supervisor', 'supervisor_title'],
    ['nav-desk', 'desk_title'], ['accounts-title', 'admin_accounts'], ['new-account', 'admin_new'],
    ['f-id-l', 'admin_id'], ['f-name-l', 'admin_name'], ['f-role-l', 'admin_role'], ['f-langs-l', 'admin_languages_hint'],
    ['f-chans-l', 'admin_channels'], ['f-skills-l', 'admin_skills_hint'], ['f-cap-l', 'admin_capacity_hint'],
    ['f-endpoint-l', 'admin_endpoint'], ['f-pw-l', 'admin_password'], ['form-cancel', 'admin_cancel'],
    ['pw-generate-l', 'admin_generate'], ['pw-set-l', 'admin_set'], ['pw-new-l', 'admin_password'], ['pw-note', 'admin_password_note'],
    ['pw-go', 'admin_reset_password'], ['pw-cancel', 'admin_cancel'], ['secret-copy', 'admin_copy'],
    ['secret-note', 'admin_secret_note'], ['secret-done', 'admin_secret_done']];
  for (const [id, key] of texts) $(id).textContent = t(key);
  $('who').textContent = st.account.name;
  $('lang-toggle').textContent = t('other_lang');
  $('lang-toggle').href = `?lang=${st.lang === 'es' ? 'en' : 'es'}`;
  $('signout-slot').append(signOutForm(st.account.csrf, t('logout')));
  $('f-role').replaceChildren(...roles.map((r) => h('option', { value: r, text: t('role_' + r) })));
  $('f-chans').append(...channels.map((c) => h('label.inline', {},
    h('input', { type: 'checkbox', id: 'f-chan-' + c, value: c }), ' ', t('badge_' + c))));
  $('new-account').addEventListener('click', () => openForm(null));
  $('account-form').addEventListener('submit', submitForm);
  $('form-cancel').addEventListener('click', () => $('account-form').classList.add('hidden'));
  $('password-form').addEventListener('submit', submitPassword);
  $('pw-cancel').addEventListener('click', () => $('password-form').classList.add('hidden'));
  for (const r of ['pw-generate', 'pw-set']) {
    $(r).addEventListener('change', () => { $('pw-new').disabled = !$('pw-set').checked; if ($('pw-set').checked) $('pw-new').focus(); });
  }
  $('secret-copy').addEventListener('click', () => navigator.clipboard?.writeText($('secret-value').textContent)
    .then(() => toast(t('admin_copied')), () => {}));
  $('secret-done').addEventListener('click', () => { $('secret-value').textContent = ''; $('secret').classList.add('hidden'); });
}

async function main() {
  st.lang = pickLang();
  [st.t, st.account] = await Promise.all([loadTexts(st.lang), me()]);
  setup();
  setupDirectory(st.t, st.account, st.lang);
  await Promise.all([load(), mountSettings($('settings'), st)]);
  setInterval(() => { if ($('account-form').classList.contains('hidden') && $('password-form').classList.contains('hidden')) load(); }, 15000);
}

main().catch((err) => { if (err.message !== 'signed out') toast(String(err.message || err), true); });
