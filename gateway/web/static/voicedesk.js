// The voice desk of the advocate console: a call's line (ringing your phone, connected, on hold,
// caller left), the time since the advocate's phone connected, and hold, mute and hang up
// (docs/console-protocol.md, "The voice desk"). The line follows the voice.* events; a reloaded
// console starts from the conversation's `call` view.
import { h, toast } from './common.js';
import { Frame, EventType, Channel, State } from './protocol.js';

let t, conn;
const lines = new Map(); // conversation id → { conv, since, endedAt, hold, muted, hungUp, confirm, outside, tail, handedOff, adding, number, picking, consult, consultTo }

export function setupVoice(texts, connection) {
  t = texts;
  conn = connection;
  setInterval(tick, 1000);
}

function lineOf(id) {
  let l = lines.get(id);
  if (!l) { l = { since: 0, endedAt: 0, hold: false, muted: false, hungUp: false, confirm: 0 }; lines.set(id, l); }
  return l;
}

// voiceFrame takes the frames of the voice desk; true when it consumed f.
export function voiceFrame(f) {
  const l = lines.get(f.conversation);
  switch (f.type) {
    case EventType.AdvocateRinging: if (l) { l.since = 0; redraw(f.conversation); } return false;
    case EventType.AdvocateJoined: if (l) { l.since = Date.parse(f.at) || Date.now(); redraw(f.conversation); } return false;
    case EventType.CallHold: if (l) { l.hold = f.data?.on === 'true'; redraw(f.conversation); } return true;
    case EventType.CallMute: if (l) { l.muted = f.data?.on === 'true'; redraw(f.conversation); } return true;
    case EventType.CallOutside: if (l) { onOutside(l, f.data || {}); redraw(f.conversation); } return true;
    case EventType.CallConsult: onConsult(l, f.data || {}); if (l) redraw(f.conversation); return true;
    case EventType.CallOutDialling: if (l) { l.callback = 'dialling'; redraw(f.conversation); } return true;
    case EventType.CallOutResult: if (l) { const o = f.data?.outcome; l.callback = o === 'answered' ? 'connected' : o; redraw(f.conversation); } return true;
    case EventType.RecordingDeleted: if (l?.voicemail) { l.voicemail.url = ''; redraw(f.conversation); } return true;
    case EventType.CallHungUp: if (l) { l.hungUp = true; l.endedAt ||= Date.now(); redraw(f.conversation); } return true;
    case EventType.Wrapup: if (l) l.endedAt ||= Date.now(); return false; // console.js redraws the conversation
    case EventType.Closed: case EventType.Abandoned: lines.delete(f.conversation); return false;
    case Frame.Colleagues: onColleagues(f.colleagues); return true;
    case EventType.Presence: if (picking()) askColleagues(); return false; // console.js shows one's own
    case Frame.Error: if (f.text && t.raw[f.text]) { toast(t(f.text), true); return true; } return false;
  }
  return false;
}

// voicePanel is the call's line and its controls, for the conversation view c; null unless c is
// a call.
export function voicePanel(c) {
  if (c.channel !== Channel.Voice) return null;
  const l = lineOf(c.id);
  l.conv = c;
  if (c.call?.connected_at && !l.since) l.since = Date.parse(c.call.connected_at);
  if (c.call) { // the view seeds; events follow
    Object.assign(l, { hold: !!c.call.hold, muted: !!c.call.muted, outside: c.call.outside || '', handedOff: !!c.call.handed_off,
      consult: c.call.consult || '', consultTo: c.call.consult_to || '',
      voicemail: c.call.voicemail || null, isCallback: !!c.call.is_callback, callback: c.call.callback || '' });
    delete c.call;
  }
  if (l.voicemail) return voicemailPanel(l.voicemail);
  const ended = c.state === State.Wrapup || l.hungUp;
  if (ended) l.endedAt ||= Date.now();
  let phase = 'ringing';
  if (ended) phase = l.handedOff || c.end_reason === 'handed_off' ? 'handed' : l.hungUp || c.end_reason === 'advocate_hangup' ? 'ended' : 'left';
  else if (l.since && l.hold) phase = 'hold';
  else if (l.since) phase = 'connected';
  const live = !ended && !!l.since;
  const send = (type, extra) => conn.send({ type, conversation: c.id, ...extra });
  const hangup = h('button.call-hangup.danger', { type: 'button',
    text: l.confirm > Date.now() ? t('call_hangup_confirm') : t('call_hangup'),
    onclick: () => {
      // Two steps: a stray click must not cut off a person in crisis.
      if (l.confirm > Date.now()) { l.confirm = 0; send(Frame.CallHangup); return; }
      l.confirm = Date.now() + 4000;
      redraw(c.id);
      setTimeout(() => redraw(c.id), 4100);
    } });
  return h(`div.call-line`, { 'data-phase': phase, role: 'group', 'aria-label': t('call_line') },
    h('span.call-state', { role: 'status', text: t('call_state_' + phase) }),
    l.isCallback ? h('span.callback-state', { role: 'status', 'data-state': l.callback || 'advocate', text: t('callback_' + (l.callback || 'advocate')) }) : null,
    h('span.call-timer', { 'aria-label': t('call_timer'), text: duration(l) }),
    l.muted && !ended ? h('span.badge.call-muted', { text: t('call_muted') }) : null,
    ended ? null : h('div.call-controls', {},
      h('button.call-hold', { type: 'button', disabled: !live, 'aria-pressed': String(l.hold),
        text: l.hold ? t('call_resume') : t('call_hold'), onclick: () => send(Frame.CallHold, { on: !l.hold }) }),
      h('button.call-mute', { type: 'button', disabled: !live, 'aria-pressed': String(l.muted),
        text: l.muted ? t('call_unmute') : t('call_mute'), onclick: () => send(Frame.CallMute, { on: !l.muted }) }),
      h('button.call-add', { type: 'button', disabled: !live || !!l.outside || !!l.consult, 'aria-expanded': String(!!l.adding),
        text: t('call_add'), onclick: () => { l.adding = !l.adding; l.picking = false; redraw(c.id); } }),
      h('button.call-transfer', { type: 'button', disabled: !live || !!l.outside || !!l.consult, 'aria-expanded': String(!!l.picking),
        text: t('call_transfer'), onclick: () => { l.picking = !l.picking; l.adding = false; if (l.picking) askColleagues(); redraw(c.id); } }),
      hangup),
    !ended && l.outside ? outsideLine(c.id, l) : null,
    !ended && live && l.adding && !l.outside ? addForm(c.id, l) : null,
    !ended && l.consult ? consultLine(c.id, l) : null,
    !ended && live && l.picking && !l.consult ? consultForm(c.id) : null);
}

// ---- warm transfer: a colleague consulted while the caller holds ----

// onConsult follows a warm transfer: on the holding advocate's line (l), or, on the colleague's
// console (no line for the call yet), as a notice of what is asked of them.
function onConsult(l, d) {
  const Name = d.from && !l ? d.from : nameOf(d.to || '');
  if (!l) {
    const key = { calling: 'call_consult_incoming', consulting: 'call_consult_talking', joined: 'call_consult_with_caller',
      transferred: 'call_consult_yours', cancelled: 'call_consult_over' }[d.state];
    if (key) toast(t(key, { Name }));
    return;
  }
  l.consultTo = d.to || l.consultTo;
  if (d.state === 'calling' || d.state === 'ringing') { l.consult = 'calling'; l.picking = false; }
  else if (d.state === 'consulting' || d.state === 'joined') l.consult = d.state;
  else {
    l.consult = '';
    if (d.state === 'missed' || d.state === 'left') toast(t('call_consult_' + d.state, { Name }), true);
  }
}

function consultLine(id, l) {
  const Name = nameOf(l.consultTo), send = (type) => conn.send({ type, conversation: id });
  return h('div.call-consult', { 'data-consult': l.consult },
    h('span', { role: 'status', text: t('call_consult_' + l.consult, { Name }) }),
    l.consult === 'consulting' ? h('button.call-consult-join.primary', { type: 'button', text: t('call_consult_join'), onclick: () => send(Frame.CallConsultJoin) }) : null,
    l.consult === 'joined' ? h('button.call-consult-handover.primary', { type: 'button', text: t('call_consult_handover', { Name }), onclick: () => send(Frame.CallConsultHandover) }) : null,
    h('button.call-consult-cancel', { type: 'button', text: t('call_consult_cancel'), onclick: () => send(Frame.CallConsultCancel) }));
}

// ---- the colleague picker: who can take a call now, from the server ----

let colleagues = null; // [{id, name}] as the server last said; null before it answered
let asking = false, askAgain = false;

// askColleagues asks the server who can take a call now, once at a time; a change heard while
// a question is out asks again when it is answered.
function askColleagues() {
  if (asking) { askAgain = true; return; }
  asking = true;
  conn.send({ type: Frame.Colleagues });
}

function onColleagues(list) {
  colleagues = list || [];
  asking = false;
  for (const ul of document.querySelectorAll('.call-colleagues')) fillPicker(ul);
  if (askAgain) { askAgain = false; askColleagues(); }
}

function picking() { for (const l of lines.values()) if (l.picking && !l.consult) return true; return false; }

function nameOf(id) { return colleagues?.find((x) => x.id === id)?.name || id; }

function consultForm(id) {
  const ul = h('ul.call-colleagues', { 'aria-label': t('call_colleagues'), 'data-conv': id });
  const box = h('div.call-consult-form', {}, h('span.call-colleagues-label', { text: t('call_colleagues') }), ul);
  fillPicker(ul);
  return box;
}

// fillPicker brings the list up to date in place: rows stay while their colleague stays, so an
// update never takes the focus or a click from the advocate.
function fillPicker(ul) {
  const list = colleagues || [], id = ul.dataset.conv;
  const want = new Set(list.map((x) => x.id));
  for (const li of [...ul.children]) if (!want.has(li.dataset.id)) li.remove();
  let prev = null;
  for (const x of list) {
    let li = [...ul.children].find((n) => n.dataset.id === x.id);
    if (!li) {
      li = h('li', { 'data-id': x.id }, h('button.call-colleague', { type: 'button',
        onclick: () => conn.send({ type: Frame.CallConsult, conversation: id, to_advocate: x.id }) }));
    }
    const b = li.firstChild;
    if (b.textContent !== x.name) { b.textContent = x.name; b.setAttribute('aria-label', t('call_consult_dial', { Name: x.name })); }
    const at = prev ? prev.nextSibling : ul.firstChild;
    if (at !== li) ul.insertBefore(li, at);
    prev = li;
  }
  let none = ul.parentNode?.querySelector('.call-colleagues-none');
  if (list.length === 0 && colleagues !== null && ul.parentNode && !none) ul.after(h('p.call-colleagues-none.muted', { role: 'status', text: t('call_colleagues_none') }));
  else if (list.length > 0 && none) none.remove();
}

// voicemailPanel is a voicemail's audio, played through the hotline's proxy (each play is
// audited; preload none so that drawing the panel plays nothing), and its length.
function voicemailPanel(vm) {
  return h('div.call-line.voicemail', { 'data-phase': 'voicemail', role: 'group', 'aria-label': t('voicemail_label') },
    h('span.call-state', { text: t('voicemail_label') }),
    h('span.voicemail-length', { text: t('voicemail_length', { Duration: duration({ since: 1, endedAt: 1 + 1000 * (vm.seconds || 0) }) }) }),
    vm.url ? h('audio.voicemail-audio', { controls: true, preload: 'none', src: vm.url })
      : h('span.voicemail-gone', { role: 'status', text: t('voicemail_deleted') }));
}

// ---- an outside party: a referral or a typed number dialled into the call ----

function onOutside(l, d) {
  if (d.state === 'calling') { l.outside = 'calling'; l.tail = d.number || ''; l.adding = false; } // number: masked by the server
  else if (d.state === 'ringing' || d.state === 'joined') l.outside = d.state === 'joined' ? 'joined' : 'calling';
  else if (d.state === 'left') { l.outside = ''; if (!l.handedOff) toast(t('call_outside_left')); }
}

function outsideLine(id, l) {
  return h('div.call-outside', { role: 'status' },
    h('span', { text: t(l.outside === 'joined' ? 'call_outside_joined' : 'call_outside_calling', { Number: l.tail || '' }) }),
    l.outside === 'joined' ? h('button.call-leave', { type: 'button', text: t('call_leave'), onclick: () => {
      l.handedOff = true;
      conn.send({ type: Frame.CallLeave, conversation: id });
    } }) : null);
}

function addForm(id, l) {
  const input = h('input', { type: 'tel', autocomplete: 'off', placeholder: '+1 800 555 1234', 'aria-label': t('call_add_number'), value: l.number || '' });
  return h('form.call-add-form', { onsubmit: (e) => {
    e.preventDefault();
    conn.send({ type: Frame.CallAdd, conversation: id, number: e164(input.value) });
  } }, input, h('button.primary', { type: 'submit', text: t('call_add_dial') }));
}

// e164 writes a North American number as +1…; others must be typed with their + and country code.
function e164(s) {
  const d = s.replace(/[^0-9]/g, '');
  if (s.trim().startsWith('+')) return '+' + d;
  if (d.length === 10) return '+1' + d;
  if (d.length === 11 && d[0] === '1') return '+' + d;
  return d;
}

// voiceDial opens the call's add-a-number form with a referral's number, for the advocate to dial.
export function voiceDial(id, phone) {
  const l = lines.get(id);
  if (!l) return;
  l.adding = true;
  l.number = e164(phone);
  redraw(id);
}

// duration is the time since the advocate's phone connected, frozen when the call ended.
function duration(l) {
  if (!l.since) return '';
  const s = Math.max(0, Math.floor(((l.endedAt || Date.now()) - l.since) / 1000));
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0'), ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

function redraw(id) {
  const l = lines.get(id);
  const el = document.querySelector(`article.conv[data-conv="${id}"] .call-line`);
  if (l?.conv && el) el.replaceWith(voicePanel(l.conv));
}

function tick() {
  for (const [id, l] of lines) {
    if (!l.since || l.endedAt) continue;
    const el = document.querySelector(`article.conv[data-conv="${id}"] .call-timer`);
    if (el) el.textContent = duration(l);
  }
}
