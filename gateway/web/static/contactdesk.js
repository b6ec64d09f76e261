// The contact desk in each conversation of the advocate console: the contact record (saved as
// the advocate types), earlier conversations of a returning contact, consents, the safe-contact
// profile and blocking the contact (docs/console-protocol.md, "Contact record, consent, safety").
// One panel per conversation lives here, outside the conversation's markup, so re-rendering a
// conversation never loses what the advocate is typing.
import { h, toast, clock } from './common.js';
import { Frame, Direction } from './protocol.js';
import { referralPicker } from './refsearch.js';

const CONTACT_TYPES = ['crisis', 'tip', 'tta', 'referral', 'general', 'related'];
const CALLER_TYPES = ['victim', 'friend_family', 'service_provider', 'law_enforcement', 'community', 'other'];
const HEARD = ['web_search', 'social_media', 'friend_family', 'service_provider', 'law_enforcement', 'news_media', 'poster_ad', 'called_before', 'other'];
const BLOCK_DAYS = [1, 7, 30, 90, 365];
const SAVE_AFTER = 700; // ms of quiet before an autosave

let t, conn;
const panels = new Map(); // conversation id → panel
let seq = 0;

export function setupDesk(texts, console_) {
  t = texts;
  conn = console_;
}

const ref = (what) => `desk-${what}-${++seq}`;

// deskPanel returns the conversation's panel, asking the server for its contents the first time.
export function deskPanel(convID) {
  let p = panels.get(convID);
  if (!p) {
    p = buildPanel(convID);
    panels.set(convID, p);
    conn.send({ type: Frame.ContactInfo, conversation: convID, ref: ref('info') });
  }
  return p.el;
}

// deskReload asks again for what the panel shows (after a reconnect); a draft being typed stays.
export function deskReload(convID) {
  if (panels.has(convID)) conn.send({ type: Frame.ContactInfo, conversation: convID, ref: ref('info') });
}

export function deskDrop(convID) { clearTimeout(panels.get(convID)?.timer); panels.delete(convID); }

// deskDraft is the record as the form holds it, for the close frame to save in the same step.
export function deskDraft(convID) {
  const p = panels.get(convID);
  return p?.loaded ? readRecord(p) : undefined;
}

export function deskContactType(convID) { return panels.get(convID)?.f.contact_type.value || ''; }

// deskAddReferral records a referral the advocate sent from the referrals dialog.
export function deskAddReferral(convID, r) {
  const p = panels.get(convID);
  if (!p || !r.id || p.referrals.some((x) => x.id === r.id)) return;
  p.referrals.push({ id: r.id, name: r.name });
  renderReferrals(p);
  changed(p);
}

// deskFrame handles the desk's replies; it reports whether the frame was one of them.
export function deskFrame(f) {
  const p = panels.get(f.conversation);
  switch (f.type) {
    case Frame.ContactInfo: if (p) showInfo(p, f); return true;
    case Frame.Record: if (p) savedAt(p, f); return true;
    case Frame.Consents: if (p) { renderConsents(p, f.consents); p.consentForm.reset(); providerField(p); } return true;
    case Frame.SafeContact: if (p) { showProfile(p, f.profile, f.reach); toast(t('desk_safe_saved')); } return true;
    case Frame.Blocked: if (p) { p.blockBox.open = false; toast(t('desk_block_done', { Until: new Date(f.until).toLocaleDateString() })); } return true;
    case Frame.CaseSummary: showCase(f.case); return true;
    case Frame.Earlier: showEarlierTranscript(f); return true;
    case 'error':
      if (f.reason) { toast(t('desk_send_refused', { Reason: t('desk_blocked_' + f.reason, f.args || {}) }), true); return true; }
      if (String(f.ref || '').startsWith('desk-')) {
        // A frame refused as malformed comes back without its conversation: found by its ref.
        const q = p || [...panels.values()].find((x) => x.lastRef === f.ref);
        if (q && f.ref.startsWith('desk-rec')) { q.status.textContent = t('desk_failed'); toast(t('desk_error', { Detail: refusalText(f) }), true); }
        else toast(refusalText(f), true);
        return true;
      }
  }
  return false;
}

// refusalText says why the server refused a frame in the advocate's language, from the error's
// stable refusal code; the server's own message is English and never shown.
export function refusalText(f) {
  const key = 'refusal_' + (f.refusal || 'other');
  return t(t.raw[key] ? key : 'refusal_other');
}

// blockedText says why a message was not sent, in the advocate's language.
export function blockedText(m) { return m.reason ? t('desk_blocked_' + m.reason, m.args || {}) : m.detail; }

// ---- building ----

function select(name, values, prefix) {
  return h(`select.${name}`, { name }, h('option', { value: '', text: t('desk_not_recorded') }),
    values.map((v) => h('option', { value: v, text: t(prefix + v) })));
}

function field(label, input) { return h('label.field', {}, h('span', { text: label }), input); }

function buildPanel(convID) {
  const p = { convID, referrals: [], loaded: false, dirty: false };
  p.f = {
    contact_type: select('contact_type', CONTACT_TYPES, 'disp_'),
    caller_type: select('caller_type', CALLER_TYPES, 'desk_caller_'),
    state: h('input.state', { type: 'text', maxlength: 80, autocomplete: 'off' }),
    city: h('input.city', { type: 'text', maxlength: 80, autocomplete: 'off' }),
    heard_from: select('heard_from', HEARD, 'desk_heard_'),
    safety_note: h('textarea.safety-note', { rows: 2, maxlength: 4000 }),
    notes: h('textarea.notes', { rows: 2, maxlength: 4000 }),
  };
  p.refList = h('ul.ref-list');
  p.refPick = referralPicker(t, (r) => deskAddReferral(convID, r));
  p.status = h('span.save-status.muted', { role: 'status' });
  const form = h('form.record', { oninput: () => changed(p), onchange: () => changed(p), onsubmit: (e) => e.preventDefault() },
    h('p.muted.hint', { text: t('desk_anonymous_hint') }),
    h('div.grid', {},
      field(t('desk_contact_type'), p.f.contact_type), field(t('desk_caller_type'), p.f.caller_type),
      field(t('desk_state'), p.f.state), field(t('desk_city'), p.f.city),
      field(t('desk_heard'), p.f.heard_from)),
    field(t('desk_referrals'), h('div', {}, p.refList, p.refPick)),
    field(t('desk_safety_note'), p.f.safety_note), field(t('desk_notes'), p.f.notes), p.status);
  p.banner = h('div.returning.hidden', { role: 'note' });
  p.safety = h('div.safety-line.hidden', { role: 'note' });
  p.recordBox = h('details.desk.record-box', {}, h('summary', { text: t('desk_record') }), form);
  p.consentBox = buildConsent(p);
  p.safeBox = buildSafe(p);
  p.blockBox = buildBlock(p);
  p.el = h('section.desk', { 'data-desk': convID }, p.banner, p.safety, p.recordBox, p.consentBox, p.safeBox, p.blockBox);
  return p;
}

function renderReferrals(p) {
  p.refList.replaceChildren(...p.referrals.map((r) => h('li', {}, r.name,
    h('button.remove', { type: 'button', 'aria-label': `${t('desk_remove')} ${r.name}`, text: '×', onclick: () => {
      p.referrals = p.referrals.filter((x) => x.id !== r.id);
      renderReferrals(p);
      changed(p);
    } }))));
}

function buildConsent(p) {
  const scope = h('select.consent-scope', { name: 'scope' }, ['report', 'contact'].map((v) => h('option', { value: v, text: t('desk_consent_scope_' + v) })));
  const withSel = h('select.consent-with', { name: 'with', onchange: () => providerField(p) },
    ['hotline', 'law_enforcement', 'provider'].map((v) => h('option', { value: v, text: t('desk_consent_with_' + v) })));
  p.provider = h('input.consent-provider', { type: 'text', maxlength: 200, name: 'provider' });
  p.providerField = field(t('desk_consent_provider_name'), p.provider);
  const granted = h('select.consent-granted', { name: 'granted' },
    h('option', { value: '1', text: t('desk_consent_agreed') }), h('option', { value: '0', text: t('desk_consent_withdrew') }));
  const note = h('input.consent-note', { type: 'text', maxlength: 2000, name: 'note' });
  p.consentList = h('ul.consents');
  p.consentForm = h('form.consent', { onsubmit: (e) => {
    e.preventDefault();
    conn.send({ type: Frame.Consent, conversation: p.convID, ref: ref('consent'), consent: {
      scope: scope.value, with: withSel.value, provider: withSel.value === 'provider' ? p.provider.value.trim() : '',
      granted: granted.value === '1', note: note.value.trim() } });
  } },
  h('div.grid', {}, field(t('desk_consent_what'), scope), field(t('desk_consent_with'), withSel), p.providerField,
    field(t('desk_consent_answer'), granted), field(t('note'), note)),
  h('button.primary.record-consent', { type: 'submit', text: t('desk_consent_record') }));
  providerField(p);
  return h('details.desk.consent-box', {}, h('summary', { text: t('desk_consent') }), p.consentList, p.consentForm);
}

function providerField(p) {
  const on = p.consentForm?.querySelector('.consent-with').value === 'provider';
  p.providerField.classList.toggle('hidden', !on);
  p.provider.required = on;
}

function buildSafe(p) {
  const box = (cls, label) => { const i = h(`input.${cls}`, { type: 'checkbox' }); return [i, h('label.check', {}, i, label)]; };
  const [noText, noTextL] = box('no-text', t('desk_safe_no_text'));
  const [noCall, noCallL] = box('no-call', t('desk_safe_no_call'));
  const [noVM, noVML] = box('no-voicemail', t('desk_safe_no_voicemail'));
  const from = h('input.safe-from', { type: 'time' }), to = h('input.safe-to', { type: 'time' });
  const zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles']);
  const zone = h('select.safe-zone', {}, h('option', { value: '', text: 'UTC' }), zones.map((z) => h('option', { value: z, text: z })));
  const word = h('input.code-word', { type: 'text', maxlength: 60, autocomplete: 'off' });
  p.safeFields = { noText, noCall, noVM, from, to, zone, word };
  const form = h('form.safe', { onsubmit: (e) => {
    e.preventDefault();
    if (!!from.value !== !!to.value) { to.setCustomValidity(t('desk_safe_both_times')); to.reportValidity(); return; }
    to.setCustomValidity('');
    conn.send({ type: Frame.SafeContact, conversation: p.convID, ref: ref('safe'), profile: {
      no_text: noText.checked, no_call: noCall.checked, no_voicemail: noVM.checked,
      hours: from.value && to.value ? `${from.value}-${to.value}` : '', time_zone: zone.value, code_word: word.value.trim() } });
  } }, noTextL, noCallL, noVML,
  h('div.grid', {}, field(t('desk_safe_from'), from), field(t('desk_safe_to'), to), field(t('desk_safe_zone'), zone), field(t('desk_safe_code_word'), word)),
  h('button.primary.save-safe', { type: 'submit', text: t('desk_safe_save') }));
  return h('details.desk.safe-box', {}, h('summary', { text: t('desk_safe') }), form);
}

function buildBlock(p) {
  const reason = h('input.block-reason', { type: 'text', maxlength: 200, required: true });
  const days = h('select.block-days', {}, BLOCK_DAYS.map((d) => h('option', { value: d, text: t('desk_block_days_n', { Days: d }), selected: d === 30 })));
  const form = h('form.block', { onsubmit: (e) => {
    e.preventDefault();
    conn.send({ type: Frame.Block, conversation: p.convID, ref: ref('block'), block: { reason: reason.value.trim(), days: Number(days.value) } });
  } }, h('div.grid', {}, field(t('desk_block_reason'), reason), field(t('desk_block_days'), days)),
  h('button.danger.block-confirm', { type: 'submit', text: t('desk_block_confirm') }));
  return h('details.desk.block-box', {}, h('summary', { text: t('desk_block') }), form);
}

// ---- showing what the server sent ----

function showInfo(p, f) {
  const typedEarly = p.dirty && !p.loaded;
  if (!p.dirty || typedEarly) fillRecord(p, f.record, typedEarly);
  p.loaded = true;
  if (typedEarly) changed(p); // what was typed before the stored record came is saved with it
  renderConsents(p, f.consents);
  showProfile(p, f.profile, f.reach);
  showEarlier(p, f.earlier || []);
  p.anonymous = f.anonymous;
  p.safeBox.classList.toggle('hidden', f.anonymous);
  p.blockBox.classList.toggle('hidden', f.anonymous);
}

// fillRecord shows a stored record; keep leaves alone what the advocate already typed.
function fillRecord(p, r, keep) {
  for (const k of ['contact_type', 'caller_type', 'state', 'city', 'heard_from', 'safety_note', 'notes']) {
    if (!keep || !p.f[k].value) p.f[k].value = r[k] || '';
  }
  const stored = (r.referrals || []).map((x) => ({ id: x.id, name: x.name }));
  p.referrals = keep ? [...stored, ...p.referrals.filter((x) => !stored.some((y) => y.id === x.id))] : stored;
  renderReferrals(p);
  if (r.updated_at) p.status.textContent = t('desk_saved', { Time: clock(new Date(r.updated_at)) });
  const filled = ['contact_type', 'caller_type', 'state', 'city', 'heard_from', 'safety_note', 'notes'].some((k) => r[k]) || p.referrals.length;
  if (filled) p.recordBox.open = true;
}

function readRecord(p) {
  const r = {};
  for (const [k, el] of Object.entries(p.f)) r[k] = el.value;
  r.referrals = p.referrals.map((x) => x.id);
  return r;
}

function changed(p) {
  p.dirty = true;
  if (!p.loaded) return; // saved once the stored record is shown (showInfo), so nothing is overwritten
  p.status.textContent = t('desk_saving');
  clearTimeout(p.timer);
  p.timer = setTimeout(() => save(p), SAVE_AFTER);
}

function save(p) {
  p.timer = 0;
  p.lastRef = ref('rec');
  conn.send({ type: Frame.RecordSave, conversation: p.convID, ref: p.lastRef, record: readRecord(p) });
}

// savedAt marks the form saved, unless the advocate changed it since that save was sent.
function savedAt(p, f) {
  if (p.timer || f.ref !== p.lastRef) return;
  p.dirty = false;
  p.status.textContent = t('desk_saved', { Time: clock(new Date(f.record.updated_at)) });
}

function whoWith(w) {
  if (w.startsWith('provider:')) return w.slice('provider:'.length);
  return t.raw['desk_consent_with_' + w] ? t('desk_consent_with_' + w) : w;
}

function renderConsents(p, list) {
  p.consentList.replaceChildren(...(list.length ? list.map((c) => h(`li.${c.granted ? 'granted' : 'withdrawn'}`, {
    text: t('desk_consent_line', { Status: t(c.granted ? 'desk_consent_agreed' : 'desk_consent_withdrew'), What: t('desk_consent_scope_' + c.scope),
      With: whoWith(c.with), By: c.by, When: new Date(c.at).toLocaleString() }) + (c.note ? ` — ${c.note}` : '') }))
    : [h('li.muted', { text: t('desk_consent_none') })]));
  if (list.length) p.consentBox.querySelector('summary').textContent = `${t('desk_consent')} (${list.length})`;
}

function showProfile(p, prof, reach) {
  if (!prof) return;
  const s = p.safeFields;
  s.noText.checked = prof.no_text; s.noCall.checked = prof.no_call; s.noVM.checked = prof.no_voicemail;
  const [from, to] = (prof.hours || '-').split('-');
  s.from.value = from || ''; s.to.value = to || '';
  s.zone.value = prof.time_zone || '';
  s.word.value = prof.code_word || '';
  const parts = [];
  if (prof.no_text) parts.push(t('desk_safe_no_text'));
  if (prof.no_call) parts.push(t('desk_safe_no_call'));
  if (prof.no_voicemail) parts.push(t('desk_safe_no_voicemail'));
  if (prof.hours) parts.push(t('desk_safe_hours_line', { Hours: prof.hours, Zone: prof.time_zone || 'UTC' }));
  if (prof.code_word) parts.push(t('desk_safe_code_line', { Word: prof.code_word }));
  const lines = parts.length ? [h('strong', { text: t('desk_safe') + ': ' }), parts.join(' · ')] : [];
  if (reach && !reach.ok) lines.push(h('div.refused', { text: t('desk_safe_now_refused', { Reason: t('desk_blocked_' + reach.reason, reach.args || {}) }) }));
  p.safety.replaceChildren(...lines);
  p.safety.classList.toggle('hidden', lines.length === 0);
}

function showEarlier(p, list) {
  p.banner.classList.toggle('hidden', list.length === 0);
  if (!list.length) return;
  p.banner.replaceChildren(h('strong', { text: t('desk_returning', { Count: list.length }) }),
    h('ul', {}, list.map((e) => h('li', { 'data-earlier': e.conversation },
      `${new Date(e.at).toLocaleDateString()} · ${t('badge_' + e.channel)} · ${e.contact_type ? t('disp_' + e.contact_type) : t('desk_not_recorded')}`,
      e.retained ? h('button.earlier-open', { type: 'button', text: t('desk_earlier_open'), onclick: () =>
        conn.send({ type: Frame.Earlier, conversation: p.convID, earlier: e.conversation, ref: ref('earlier') }) })
        : h('span.muted', { text: ` · ${t('desk_content_expired')}` }),
      e.case_id ? h('button.case-link', { type: 'button', text: t('desk_case_open', { Ref: e.case_ref || '…' }), onclick: () =>
        conn.send({ type: Frame.CaseSummary, conversation: p.convID, case_id: e.case_id, ref: ref('case') }) }) : null))));
}

function deskDialog() {
  let d = document.getElementById('case-dialog');
  if (!d) { d = h('dialog#case-dialog', {}); document.body.append(d); }
  return d;
}

// showEarlierTranscript shows what the contact wrote before, or that it is no longer kept.
function showEarlierTranscript(f) {
  const d = deskDialog();
  const who = (m) => (m.direction === Direction.In ? t('desk_earlier_them') : m.direction === Direction.Out ? (m.author || '') : t('desk_earlier_system'));
  d.replaceChildren(h('form', { method: 'dialog' },
    h('h3', { text: t('desk_earlier_title', { Date: new Date(f.at).toLocaleString(), Channel: t('badge_' + f.channel) }) }),
    f.retained ? h('ol.earlier-transcript', {}, f.messages.map((m) => h(`li.msg.${m.direction}`, {},
      h('span.meta', { text: `${new Date(m.at).toLocaleString()} · ${who(m)}` }), h('div.body', { text: m.body }))))
      : h('p.muted.earlier-expired', { text: t('desk_earlier_expired') }),
    h('menu', {}, h('button', { value: 'cancel', text: t('desk_close_dialog') }))));
  d.showModal();
}

function showCase(k) {
  const d = deskDialog();
  d.replaceChildren(h('form', { method: 'dialog' },
    h('h3', { text: t('desk_case_open', { Ref: k.ref }) }),
    h('p', { text: `${t('flag_' + k.type)} · ${t('urgency_' + k.urgency)} · ${t('desk_case_state_' + k.state)}` }),
    k.summary ? h('p.case-summary', { text: k.summary }) : null,
    h('h4', { text: t('desk_case_reports') }),
    h('ul', {}, k.reports.map((r) => h('li', { text: `${new Date(r.at).toLocaleString()} · ${r.by}${r.summary ? ' — ' + r.summary : ''}` }))),
    h('menu', {}, h('button', { value: 'cancel', text: t('desk_close_dialog') }))));
  d.showModal();
}
