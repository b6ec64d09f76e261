// Follow-ups: a call or a text back to a person at a time (docs/console-protocol.md,
// "Follow-ups"). In the advocate console each conversation has a follow-up panel (schedule, with
// the person's safe hours in view; the conversation's follow-ups) and the side column lists the
// advocate's own, with Cancel, Reschedule and, when a call is due, Call. The case page lists a
// case's follow-ups and schedules from it over HTTP (caseFollowUps).
import { h, toast } from './common.js';
import { Frame, EventType, FollowUpKind, FollowUpState, Refusal } from './protocol.js';

let t, conn, self = ''; // self: the signed-in account's id
const panels = new Map(); // conversation id → panel
let mine = null; // the side list's element
let seq = 0;
const ref = (what) => `fu-${what}-${++seq}`;
const WAITING = [FollowUpState.Scheduled, FollowUpState.Due];

// setupFollowUps puts the account's own follow-ups in side. selfID is the signed-in account:
// a supervisor's console hears every advocate's follow-up events and answers only its own.
export function setupFollowUps(texts, console_, side, selfID) {
  t = texts;
  conn = console_;
  self = selfID || '';
  mine = h('section.followups-mine#followups-mine', { 'aria-labelledby': 'followups-mine-title' },
    h('h2#followups-mine-title', { text: t('followup_mine') }), h('ul.fu-list', {}));
  side.append(mine);
  reloadFollowUps();
}

// reloadFollowUps asks again for the advocate's list and the open panels' (after a reconnect).
export function reloadFollowUps() {
  conn.send({ type: Frame.FollowUps, ref: ref('mine') });
  for (const id of panels.keys()) conn.send({ type: Frame.FollowUps, conversation: id, ref: ref('conv') });
}

// followUpPanel returns the conversation's follow-up panel, built once.
export function followUpPanel(conv) {
  let p = panels.get(conv.id);
  if (!p) {
    p = buildPanel(conv);
    panels.set(conv.id, p);
    conn.send({ type: Frame.FollowUps, conversation: conv.id, ref: ref('conv') });
  }
  return p.el;
}

export function followUpDrop(convID) { panels.delete(convID); }

function buildPanel(conv) {
  const id = (x) => `fu-${x}-${conv.id}`;
  const kind = (k) => h('label', {}, h('input', { type: 'radio', name: id('kind'), value: k, checked: k === FollowUpKind.Text ? true : null,
    onchange: () => { p.body.closest('label').classList.toggle('hidden', k !== FollowUpKind.Text); } }), ' ', t('followup_kind_' + k));
  const p = { conv };
  p.hours = h('p.fu-hours', { role: 'note' });
  p.when = h('input', { type: 'datetime-local', id: id('at'), required: true });
  p.body = h('textarea', { id: id('body'), rows: 2, maxlength: 1600, placeholder: t('followup_body_hint') });
  p.error = h('p.error.fu-error', { role: 'alert' });
  p.list = h('ul.fu-list', {});
  const form = h('form.fu-form', { onsubmit: (e) => { e.preventDefault(); schedule(p); } },
    h('fieldset', {}, h('legend', { text: t('followup_kind') }), kind(FollowUpKind.Text), kind(FollowUpKind.Call)),
    h('label', { for: id('at') }, t('followup_when'), p.when),
    h('label', { for: id('body') }, t('followup_body'), p.body),
    p.hours, p.error,
    h('button.primary.fu-schedule', { type: 'submit', text: t('followup_schedule') }));
  p.el = h('details.followups', { 'data-conv': conv.id }, h('summary', { text: t('followup_title') }), form, p.list);
  return p;
}

function schedule(p) {
  const kind = p.el.querySelector('input[type=radio]:checked')?.value || FollowUpKind.Text;
  const at = localToRFC3339(p.when.value);
  if (!at) { p.error.textContent = t('followup_need_time'); return; }
  p.error.textContent = '';
  p.pending = ref('schedule');
  conn.send({ type: Frame.FollowUpSchedule, conversation: p.conv.id, ref: p.pending,
    followup: { kind, at, body: kind === FollowUpKind.Text ? p.body.value.trim() : '' } });
}

// localToRFC3339 turns a datetime-local value (the advocate's own time) into RFC 3339 with offset.
function localToRFC3339(v) {
  if (!v) return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return '';
  const off = -d.getTimezoneOffset(), sign = off >= 0 ? '+' : '-', abs = Math.abs(off);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// followUpFrame handles the frames of this module; true when it took f.
export function followUpFrame(f) {
  switch (f.type) {
    case Frame.FollowUps:
      if (f.conversation) { const p = panels.get(f.conversation); if (p) { showProfile(p, f.profile); fill(p.list, f.followups, false); } }
      else if (!f.case_id && mine) fill(mine.querySelector('.fu-list'), f.followups, true);
      return true;
    case Frame.FollowUp: {
      const p = panels.get(f.followup.conversation);
      if (p && f.for === Frame.FollowUpSchedule) { p.when.value = ''; p.body.value = ''; p.error.textContent = ''; }
      toast(t('followup_saved_' + f.followup.state));
      reloadFollowUps();
      return true;
    }
    case EventType.FollowUpUpdated: if (ours(f)) reloadFollowUps(); return true;
    case EventType.FollowUpDue: if (ours(f)) due(f); return true;
    case Frame.Error:
      if (f.refusal !== Refusal.FollowUp) return false;
      for (const p of panels.values()) if (p.pending === f.ref) { p.error.textContent = reasonText(f.reason, f.next); return true; }
      toast(reasonText(f.reason, f.next), true);
      return true;
  }
  return false;
}

function ours(f) { return !self || !f.advocate || f.advocate === self; }

export function reasonText(reason, next) {
  const key = 'followup_reason_' + reason;
  const base = t.raw[key] ? t(key) : t('followup_reason_other');
  return next ? `${base} ${t('followup_next_window', { When: new Date(next).toLocaleString() })}` : base;
}

function showProfile(p, prof) {
  if (!prof) return;
  const bits = [];
  if (prof.hours) bits.push(t('followup_safe_hours', { Hours: prof.hours, Zone: prof.time_zone || 'UTC', Local: theirTime(prof.time_zone) }));
  if (prof.no_text) bits.push(t('desk_safe_no_text'));
  if (prof.no_call) bits.push(t('desk_safe_no_call'));
  if (prof.no_voicemail) bits.push(t('desk_safe_no_voicemail'));
  p.hours.textContent = bits.length ? bits.join(' · ') : t('followup_no_limits');
}

function theirTime(zone) {
  try { return new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZone: zone || 'UTC' }); } catch { return ''; }
}

// fill lists follow-ups; withActions adds Cancel, Reschedule and Call (the advocate's own list).
function fill(ul, list, withActions) {
  ul.replaceChildren(...(list || []).map((fu) => item(fu, withActions)));
  if (!list?.length) ul.append(h('li.muted', { text: t('followup_none') }));
}

export function stateLine(fu) {
  const last = fu.attempts[fu.attempts.length - 1];
  const parts = [t('followup_state_' + fu.state)];
  if (last) {
    parts.push(t('followup_attempt', { N: last.n, Of: fu.max_attempts }) + (last.outcome ? ` — ${t('followup_outcome_' + last.outcome)}` : ''));
    if (last.reason && t.raw['followup_reason_' + last.reason]) parts.push(t('followup_reason_' + last.reason));
  }
  return parts.join(' · ');
}

function item(fu, withActions) {
  const li = h(`li.fu.${fu.state}`, { 'data-followup': fu.id },
    h('span.fu-kind', { text: t('followup_kind_' + fu.kind) }), ' ',
    h('time', { datetime: fu.at, text: new Date(fu.at).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }) }), ' ',
    h('span.fu-state', { text: stateLine(fu) }));
  if (!withActions || !WAITING.includes(fu.state)) return li;
  const again = h('input', { type: 'datetime-local', 'aria-label': t('followup_when') });
  li.append(h('div.fu-actions', {},
    fu.state === FollowUpState.Due && fu.kind === FollowUpKind.Call
      ? h('button.primary.fu-call', { type: 'button', text: t('followup_call'), onclick: () => conn.send({ type: Frame.FollowUpCall, ref: ref('call'), followup: { id: fu.id } }) }) : null,
    again,
    h('button.fu-reschedule', { type: 'button', text: t('followup_reschedule'), onclick: () => {
      const at = localToRFC3339(again.value);
      if (!at) { toast(t('followup_need_time'), true); return; }
      conn.send({ type: Frame.FollowUpReschedule, ref: ref('resched'), followup: { id: fu.id, at } });
    } }),
    h('button.danger.fu-cancel', { type: 'button', text: t('followup_cancel'), onclick: () => conn.send({ type: Frame.FollowUpCancel, ref: ref('cancel'), followup: { id: fu.id } }) })));
  return li;
}

// due tells the advocate a follow-up call is due: a notice with Call, and a desktop notification
// when the console is not in view (nothing about the person in it).
function due(f) {
  reloadFollowUps();
  const d = f.data || {};
  const text = t('followup_due', { N: d.attempt, Of: d.attempts }) + (d.no_voicemail === 'true' ? ` ${t('desk_safe_no_voicemail')}.` : '');
  const box = h('div.notice.fu-due', { role: 'alert', 'data-followup': d.followup }, h('span', { text }),
    h('button.primary.fu-call', { type: 'button', text: t('followup_call'), onclick: () => {
      conn.send({ type: Frame.FollowUpCall, ref: ref('call'), followup: { id: d.followup } });
      box.remove();
    } }));
  mine?.prepend(box);
  if ('Notification' in window && Notification.permission === 'granted' && (document.hidden || !document.hasFocus())) {
    try { const n = new Notification(t('followup_due_title'), { body: text, tag: 'followup-' + d.followup }); n.onclick = () => { window.focus(); n.close(); }; } catch { /* see offeralert.js */ }
  }
}

// caseFollowUps shows a case's follow-ups on the case page, with Cancel, and a form that
// schedules one from the case (its latest conversation with a way to reach the person). api is
// the case page's JSON helper: it throws with the refusal in the page's language.
export async function caseFollowUps(texts, caseID, api, container) {
  t = texts;
  let box = document.getElementById('case-followups');
  if (!box) {
    box = h('section.act#case-followups', {});
    container.append(box);
  }
  const list = h('ul.fu-list', {});
  const error = h('p.error', { role: 'alert' });
  const when = h('input', { type: 'datetime-local', id: 'case-fu-at', required: true });
  const body = h('textarea', { id: 'case-fu-body', rows: 2, maxlength: 1600, placeholder: t('followup_body_hint') });
  const kind = (k) => h('label', {}, h('input', { type: 'radio', name: 'case-fu-kind', value: k, checked: k === FollowUpKind.Text ? true : null }), ' ', t('followup_kind_' + k));
  const load = async () => {
    try {
      const r = await api(`/api/desk/cases/${encodeURIComponent(caseID)}/followups`);
      list.replaceChildren(...r.followups.map((fu) => h(`li.fu.${fu.state}`, { 'data-followup': fu.id },
        h('span.fu-kind', { text: t('followup_kind_' + fu.kind) }), ' ',
        h('time', { datetime: fu.at, text: new Date(fu.at).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }) }), ' ',
        h('span.fu-state', { text: `${stateLine(fu)} · ${fu.advocate}` }),
        WAITING.includes(fu.state) ? h('button.danger.fu-cancel', { type: 'button', text: t('followup_cancel'), onclick: async () => {
          try { await api(`/api/desk/followups/${encodeURIComponent(fu.id)}/cancel`, {}); load(); } catch (err) { error.textContent = err.message; }
        } }) : null)));
      if (!r.followups.length) list.append(h('li.muted', { text: t('followup_none') }));
    } catch (err) { error.textContent = err.message; }
  };
  const form = h('form.fu-form', { onsubmit: async (e) => {
    e.preventDefault();
    const k = form.querySelector('input[name=case-fu-kind]:checked')?.value || FollowUpKind.Text;
    const at = localToRFC3339(when.value);
    if (!at) { error.textContent = t('followup_need_time'); return; }
    error.textContent = '';
    try {
      await api(`/api/desk/cases/${encodeURIComponent(caseID)}/followups`, { kind: k, at, body: k === FollowUpKind.Text ? body.value.trim() : '' });
      when.value = ''; body.value = '';
      toast(t('followup_saved_scheduled'));
      load();
    } catch (err) { error.textContent = err.message; }
  } },
  h('fieldset', {}, h('legend', { text: t('followup_kind') }), kind(FollowUpKind.Text), kind(FollowUpKind.Call)),
  h('label', { for: 'case-fu-at' }, t('followup_when'), when),
  h('label', { for: 'case-fu-body' }, t('followup_body'), body),
  error,
  h('button.primary', { type: 'submit', text: t('followup_schedule') }));
  box.replaceChildren(h('h3', { text: t('desk_followups') }), list, form);
  await load();
}
