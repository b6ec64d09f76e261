// The admin console's runtime settings: each with its value in force, its default and where the
// value comes from (the environment's default, or stored by an admin); edit and save, or reset to
// the default. /api/admin/settings checks the role and the value; a refusal comes back in the
// admin's language and is shown beside the setting. Every process applies a change within a second.
import { h, toast } from './common.js';

let st = null;

async function call(path, body) {
  const opts = { credentials: 'same-origin', headers: { 'Accept-Language': st.lang } };
  if (body !== undefined) {
    opts.method = 'POST';
    opts.headers['Content-Type'] = 'application/json';
    opts.headers['X-CSRF-Token'] = st.account.csrf;
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(`${path}?lang=${st.lang}`, opts);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `${res.status}`);
  return data;
}

// row draws one setting: label and hint, the input, the default and source, save and reset.
function row(s) {
  const t = st.t;
  const id = `set-${s.name}`;
  const input = h('input', { id, name: s.name, value: s.value, autocomplete: 'off', spellcheck: 'false' });
  const err = h('p.error', { role: 'alert', id: `${id}-error` });
  const range = s.min ? t('settings_range', { Min: s.min, Max: s.max }) : t('settings_phones_hint');
  const source = h('span.muted', { id: `${id}-source`, text: s.stored ? t('settings_stored') : t('settings_default_source') });
  const save = h('button.primary', { type: 'submit', id: `${id}-save`, text: t('settings_save') });
  const reset = h('button', { type: 'button', id: `${id}-reset`, text: t('settings_reset'), disabled: !s.stored });
  const form = h('form.setting', { 'data-setting': s.name, novalidate: true },
    h('label', { for: id }, h('b', { text: t(`setting_${s.name}`) }), ' ', h('span.muted', { text: range })),
    input,
    h('p.muted', {}, `${t('settings_default')}: `, h('code', { text: s.default || '—' }), ' · ', source),
    err, h('div.buttons', {}, save, reset));
  const apply = async (path, body) => {
    err.textContent = '';
    try {
      const got = (await call(path, body)).setting;
      input.value = got.value;
      source.textContent = got.stored ? t('settings_stored') : t('settings_default_source');
      reset.disabled = !got.stored;
      toast(t('settings_saved'));
    } catch (e) {
      err.textContent = e.message;
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); apply(`/api/admin/settings/${s.name}`, { value: input.value }); });
  reset.addEventListener('click', () => apply(`/api/admin/settings/${s.name}/reset`, {}));
  return form;
}

// mountSettings fills el with the settings section; state gives t, lang and the account.
export async function mountSettings(el, state) {
  st = state;
  const t = st.t;
  const list = h('div.settings-list');
  el.replaceChildren(h('h2', { id: 'settings-title', text: t('settings_title') }), h('p.muted', { text: t('settings_note') }), list);
  try {
    const { settings } = await call('/api/admin/settings');
    list.replaceChildren(...settings.map(row));
  } catch (e) {
    list.replaceChildren(h('p.error', { role: 'alert', text: e.message }));
  }
}
