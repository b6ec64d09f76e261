// The advocate console: offers, several conversations side by side, replies, referrals,
// disposition and case flagging, over one websocket (docs/console-protocol.md).
import { fillCanned, insertCanned } from './canned.js';
import { h, loadTexts, pickLang, me, signOutForm, Console, toast, tagsOf, badges, clock } from './common.js';
import { OfferAlert } from './offeralert.js';
import { Frame, EventType, Status, STATUSES, Channel, State, Direction, MessageStatus, Tag, DISPOSITIONS, CASE_TYPES, URGENCIES, INDICATORS } from './protocol.js';
import { fillFacets, facetFilter } from './refsearch.js';
import { setupVoice, voiceFrame, voicePanel, voiceDial } from './voicedesk.js';
import { setupFollowUps, followUpPanel, followUpFrame, followUpDrop, reloadFollowUps } from './followups.js';
import { setupDesk, deskPanel, deskFrame, deskDraft, deskDrop, deskReload, deskContactType, deskAddReferral, blockedText, refusalText } from './contactdesk.js';

const state = { offers: new Map(), convs: new Map(), active: '', presence: Status.Offline };
let t, account, conn, alerts;
const $ = (id) => document.getElementById(id);

async function main() {
  const lang = pickLang();
  [t, account] = await Promise.all([loadTexts(lang), me()]);
  document.documentElement.lang = lang;
  document.title = `${t('app_name')} · ${t('console_title')}`;
  $('title').textContent = t('console_title');
  $('who').textContent = account.name;
  $('offers-title').textContent = t('offers');
  $('keys').textContent = t('shortcuts');
  $('signout-slot').append(signOutForm(account.csrf, t('logout')));
  const other = lang === 'es' ? 'en' : 'es';
  $('lang-toggle').textContent = t('other_lang');
  $('lang-toggle').href = `?lang=${other}`;
  buildPresence();
  alerts = new OfferAlert(t, $('alerting'));
  buildDialogs();
  setupInterpreter();
  renderOffers();
  renderConvs();
  conn = new Console(onFrame, (up) => {
    $('conn').textContent = up ? t('connection_ok') : t('connection_lost');
    $('conn').classList.toggle('down', !up);
  });
  setupDesk(t, conn);
  setupFollowUps(t, conn, document.querySelector('aside.side'), account.id);
  setupVoice(t, conn);
  setInterval(tickOffers, 1000);
  document.addEventListener('keydown', onKey);
}

function buildPresence() {
  const box = $('presence');
  for (const s of STATUSES) {
    box.append(h(`button.${s}#presence-${s}`, {
      type: 'button', 'aria-pressed': 'false', text: t('status_' + s),
      onclick: () => { alerts.unlock(); conn.send({ type: Frame.Presence, status: s }); },
    }));
  }
}

function showPresence(status, reason, missed) {
  state.presence = status;
  alerts.presence(status, reason, missed);
  for (const s of STATUSES) $('presence-' + s).setAttribute('aria-pressed', String(s === status));
}

// ---- frames from the server ----

function onFrame(f) {
  if (followUpFrame(f) || deskFrame(f) || voiceFrame(f)) return;
  switch (f.type) {
    case Frame.Snapshot: return onSnapshot(f);
    case EventType.Offer: return addOffer({ conversation: f.conversation, channel: f.data?.channel, language: f.data?.language,
      tags: tagsOf(f.data?.tags), deadline: Number(f.data?.deadline) || Date.now() + 45000, priority: Number(f.data?.priority) || 0 });
    case EventType.OfferWithdrawn: state.offers.delete(f.conversation); alerts.gone(f.conversation); return renderOffers();
    case EventType.Assigned:
      if (f.advocate !== account.id) return;
      // Assigned without this console's accept (a warm transfer accepted for the colleague): its offer is settled.
      if (state.offers.delete(f.conversation)) { alerts.gone(f.conversation); renderOffers(); }
      if (!state.convs.has(f.conversation)) conn.send({ type: Frame.History, conversation: f.conversation, limit: 50 });
      return;
    case Frame.Accepted: state.offers.delete(f.conversation.id); alerts.gone(f.conversation.id); renderOffers(); return upsertConv(f.conversation, f.messages, true, false, f.related_case);
    case Frame.History: return onHistory(f);
    case EventType.Message: return addMessage(f.message);
    case Frame.Sent: return addMessage(f.message);
    case EventType.MessageStatus: return setStatus(f.conversation, f.data?.mid, f.data?.status, f.data?.detail);
    case EventType.Typing: return onTyping(f);
    case EventType.Wrapup: return onWrapup(f);
    case EventType.Closed: case EventType.Abandoned: return dropConv(f.conversation);
    case EventType.Transferred: if (f.advocate === account.id) dropConv(f.conversation); return;
    case EventType.Updated: return onUpdated(f);
    case EventType.Presence: if (f.advocate === account.id && f.data?.status) showPresence(f.data.status, f.data.reason, f.data.missed); return;
    case Frame.Referrals: return showReferrals(f.results, f.total);
    case Frame.Flagged: {
      const s = [...state.convs.values()].find((x) => (f.case.conversations || []).includes(x.conv.id));
      if (s) { s.related = f.case; renderConv(s); }
      return toast(t('flagged', { Ref: f.case.ref }));
    }
    case EventType.InterpreterRinging: case EventType.InterpreterJoined: case EventType.InterpreterLeft: return onInterpreter(f);
    case EventType.AdvocateMissed: return toast(t('advocate_missed'), true);
    case Frame.Languages: return showLanguages(f.results || []);
    case Frame.Error: return toast(refusalText(f), true);
  }
}

function onSnapshot(f) {
  showPresence(f.presence?.status || Status.Offline, f.presence?.reason, f.presence?.missed);
  state.offers.clear();
  // An offer still open after a reload rings again.
  for (const o of f.offers || []) addOffer({ ...o, deadline: Date.parse(o.deadline) });
  alerts.only(new Set(state.offers.keys()));
  const keep = new Set(), had = new Set(state.convs.keys());
  for (const c of f.conversations || []) { keep.add(c.conversation.id); upsertConv(c.conversation, c.messages, false, true); }
  for (const id of keep) if (had.has(id)) deskReload(id); // after a reconnect: what changed meanwhile
  if (had.size) reloadFollowUps();
  for (const id of [...state.convs.keys()]) if (!keep.has(id)) dropConv(id);
  renderOffers();
}

// ---- offers ----

function addOffer(o) {
  o.total = Math.max(1000, o.deadline - Date.now()); // voice, text and relay offers last differently
  state.offers.set(o.conversation, o);
  renderOffers();
  alerts.offer({ conversation: o.conversation, urgent: o.tags.includes(Tag.Urgent) },
    `${t('badge_' + o.channel)} · ${(o.language || '').toUpperCase()}`);
}

function renderOffers() {
  const box = $('offers');
  box.replaceChildren();
  if (state.offers.size === 0) { box.append(h('p.muted', { text: t('no_offers') })); return; }
  for (const o of state.offers.values()) {
    const left = Math.max(0, Math.round((o.deadline - Date.now()) / 1000));
    box.append(h(`div.offer${o.tags.includes(Tag.Urgent) ? '.urgent' : ''}`, { 'data-conv': o.conversation },
      h('div', {}, badges(t, o.channel, o.tags), h('span.badge', { text: (o.language || '').toUpperCase() })),
      h('div.bar', {}, h('div', { 'data-deadline': o.deadline, 'data-total': o.total })),
      h('div.countdown', { 'data-deadline': o.deadline, text: t('seconds_left', { Count: left }) }),
      h('div.actions', {},
        h('button.primary.accept', { type: 'button', text: t('accept'), onclick: () => accept(o.conversation) }),
        h('button.decline', { type: 'button', text: t('decline'), onclick: () => decline(o.conversation) }))));
  }
  tickOffers();
}

function tickOffers() {
  for (const el of document.querySelectorAll('[data-deadline]')) {
    const ms = Number(el.dataset.deadline) - Date.now();
    if (el.classList.contains('countdown')) el.textContent = t('seconds_left', { Count: Math.max(0, Math.round(ms / 1000)) });
    else el.style.width = `${Math.max(0, Math.min(100, (ms / Number(el.dataset.total)) * 100))}%`;
  }
  // An offer long past its deadline is gone even if its withdrawal was missed.
  let stale = false;
  for (const [id, o] of state.offers) if (o.deadline < Date.now() - 5000) { state.offers.delete(id); alerts.gone(id); stale = true; }
  if (stale) renderOffers();
}

function accept(id) { conn.send({ type: Frame.Accept, conversation: id }); }
function decline(id) { conn.send({ type: Frame.Decline, conversation: id }); state.offers.delete(id); alerts.gone(id); renderOffers(); }

// ---- conversations ----

function upsertConv(c, messages, focus, quiet, related) {
  let s = state.convs.get(c.id);
  if (!s) {
    s = { conv: c, msgs: new Map(), more: true, el: null };
    state.convs.set(c.id, s);
  }
  s.conv = c;
  if (related !== undefined) s.related = related;
  for (const m of messages || []) s.msgs.set(m.id, m);
  s.more = (messages || []).length >= 30;
  renderConvs();
  if (focus || !state.active) activate(c.id);
  if (!quiet) $('convs').querySelector(`[data-conv="${c.id}"] .composer textarea`)?.focus();
}

function dropConv(id) {
  if (!state.convs.delete(id)) return;
  deskDrop(id);
  followUpDrop(id);
  if (state.active === id) state.active = [...state.convs.keys()][0] || '';
  renderConvs();
}

function onHistory(f) {
  const s = state.convs.get(f.conversation.id);
  if (!s) return upsertConv(f.conversation, f.messages, true, false, f.related_case);
  if (f.related_case !== undefined) s.related = f.related_case;
  const before = s.msgs;
  s.msgs = new Map([...f.messages.map((m) => [m.id, m]), ...before]);
  s.more = f.more;
  renderConv(s, true);
}

function addMessage(m) {
  const s = state.convs.get(m.conversation);
  if (!s || s.msgs.has(m.id)) return;
  s.msgs.set(m.id, m);
  const list = s.el?.querySelector('.msgs');
  if (!list) return;
  const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(msgEl(m));
  if (stick || m.direction === Direction.Out) list.scrollTop = list.scrollHeight;
  if (m.direction === Direction.In) s.el.querySelector('.typing').textContent = '';
}

function setStatus(convID, mid, status, detail) {
  const s = state.convs.get(convID);
  const m = s?.msgs.get(mid);
  if (!m) return;
  m.status = status;
  m.detail = detail || '';
  const el = s.el?.querySelector(`[data-msg="${mid}"]`);
  if (el) el.replaceWith(msgEl(m));
}

function onTyping(f) {
  const s = state.convs.get(f.conversation);
  if (!s || f.data?.from !== Direction.In) return;
  const el = s.el.querySelector('.typing');
  el.textContent = t('contact_typing');
  clearTimeout(s.typingTimer);
  s.typingTimer = setTimeout(() => { el.textContent = ''; }, 4000);
}

function onWrapup(f) {
  const s = state.convs.get(f.conversation);
  if (!s) return;
  s.conv.state = State.Wrapup;
  s.conv.end_reason = f.data?.reason || '';
  renderConv(s);
}

function onUpdated(f) {
  const s = state.convs.get(f.conversation);
  if (!s) return;
  if (f.data?.tags !== undefined) s.conv.tags = tagsOf(f.data.tags);
  renderConv(s);
}

const notDelivered = new Set([MessageStatus.Blocked, MessageStatus.Failed, MessageStatus.Undelivered]);

// msgEl shows a message with its time, author and, for replies, the delivery status in the
// advocate's language, with the provider's reason when it was not delivered.
function msgEl(m) {
  const when = m.at ? clock(new Date(m.at)) : '';
  const who = m.direction === Direction.Out ? (m.author || '') : '';
  let status = '';
  if (m.status && m.direction === Direction.Out) {
    status = ` · ${t('msg_status_' + (m.status === MessageStatus.Blocked && m.reason ? 'failed' : m.status))}`; // the reason follows
    if (notDelivered.has(m.status) && m.detail) status += ` (${m.status === MessageStatus.Blocked ? blockedText(m) : m.detail})`;
  }
  const warn = m.sender ? [h('span.sender-warning', { text: t('msg_sender_' + m.sender) })] : [];
  return h(`div.msg.${m.direction}${notDelivered.has(m.status) ? '.failed' : ''}`, { 'data-msg': m.id },
    ...warn, m.body, h('span.meta', { text: `${when} ${who}${status}`.trim() }));
}

function renderConvs() {
  const box = $('convs');
  const ids = [...state.convs.keys()];
  if (ids.length === 0) { box.replaceChildren(h('p.empty', { text: t('no_conversations') })); return; }
  for (const el of [...box.children]) if (!state.convs.has(el.dataset.conv)) el.remove();
  for (const id of ids) {
    const s = state.convs.get(id);
    if (!s.el) { renderConv(s); box.append(s.el); }
  }
}

function renderConv(s, keepScroll) {
  const c = s.conv;
  const old = s.el;
  const draft = old?.querySelector(".composer textarea")?.value || '';
  const list = h('div.msgs', {}, s.more ? h('button.older', { type: 'button', text: t('older_messages'), onclick: () => older(s) }) : null,
    [...s.msgs.values()].map(msgEl));
  const text = h('textarea', { rows: 3, maxlength: 4000, placeholder: t('type_message'), 'aria-label': t('type_message'),
    oninput: () => typing(c.id), onkeydown: (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(c.id); } } });
  text.value = draft;
  const canned = h('select.canned', { 'aria-label': t('canned'), onfocus: (e) => fillCanned(e.target, c.language, t('canned'), account),
    onchange: (e) => { insertCanned(text, e.target.value, c.language, account); e.target.value = ''; } });
  fillCanned(canned, c.language, t('canned'), account);
  const wrap = c.state === State.Wrapup;
  const el = h(`article.conv${state.active === c.id ? '.active' : ''}`, { 'data-conv': c.id, onfocusin: () => activate(c.id) },
    h('header', {},
      h('div', {}, badges(t, c.channel, c.tags), h('span.badge', { text: (c.language || '').toUpperCase() }),
        h('span.who', { text: c.contact || '—' })),
      h('div.tools', {},
        h('button.referrals', { type: 'button', text: t('referrals'), onclick: () => openReferrals(c.id) }),
        // A call moves with its phone legs from the call panel's Transfer, never from here.
        c.channel === Channel.Voice ? null : h('button.transfer', { type: 'button', text: t('transfer'), disabled: wrap, onclick: () => openTransfer(c.id) }),
        c.channel === Channel.Voice && !wrap ? h('button.interp', { type: 'button', text: t('interpreter'), onclick: () => openInterpreter(c.id) }) : null,
        c.channel === Channel.Voice && !wrap && s.interp ? h('button.interp-remove', { type: 'button', text: t('interpreter_remove'),
          onclick: () => conn.send({ type: Frame.InterpreterRemove, conversation: c.id }) }) : null,
        h('button.flag', { type: 'button', text: t('flag_case'), onclick: () => openFlag(c.id) }),
        h('button.close.danger', { type: 'button', text: t('close_conversation'), onclick: () => openClose(c.id) }))),
    voicePanel(c),
    (c.tags || []).includes(Tag.Relay) ? h('div.notice.relay', { role: 'note', text: t('relay_notice') }) : null,
    s.interp ? h('div.notice.interp', { role: 'status', text: s.interp }) : null,
    s.related ? h('div.notice.related', { text: `${t('related_case')}: ${s.related.ref}` }) : null,
    wrap && c.channel === Channel.Voice ? h('div.notice', { text: t('wrapup') }) : null, // the call's line says who ended it
    wrap && c.channel !== Channel.Voice ? h('div.notice', { text: `${t('contact_left')}${c.end_reason ? ' (' + c.end_reason + ')' : ''}. ${t('wrapup')}` }) : null,
    withFollowUps(c, deskPanel(c.id)),
    list,
    h('div.typing', {}),
    // A call has no text to send: its line and controls are in voicePanel.
    wrap || c.channel === Channel.Voice ? null : h('div.composer', {}, text, h('button.primary.send', { type: 'button', text: t('send'), onclick: () => send(c.id) }), canned));
  s.el = el;
  if (old) old.replaceWith(el);
  requestAnimationFrame(() => { list.scrollTop = keepScroll ? 0 : list.scrollHeight; });
}

// withFollowUps puts the conversation's follow-up panel at the end of its contact desk, in the
// desk's own scrolling area, for a conversation with someone to reach back (not web chat).
function withFollowUps(c, desk) {
  if (c.channel === Channel.Chat) return desk;
  const panel = followUpPanel(c);
  if (panel.parentNode !== desk) desk.append(panel);
  return desk;
}

function activate(id) {
  if (state.active === id) return;
  state.active = id;
  for (const el of $('convs').querySelectorAll('.conv')) el.classList.toggle('active', el.dataset.conv === id);
}

function older(s) {
  const first = [...s.msgs.keys()][0];
  conn.send({ type: Frame.History, conversation: s.conv.id, before: first, limit: 50 });
}

function send(id) {
  const s = state.convs.get(id);
  const ta = s?.el.querySelector(".composer textarea");
  const body = ta?.value.trim();
  if (!body) return;
  conn.send({ type: Frame.Send, conversation: id, body });
  ta.value = '';
}

const lastTyping = new Map();
function typing(id) {
  const now = Date.now();
  if (now - (lastTyping.get(id) || 0) < 3000) return;
  lastTyping.set(id, now);
  conn.send({ type: Frame.Typing, conversation: id });
}

// ---- dialogs ----

// radios fills box with one radio a value. required: nothing is chosen beforehand and the form
// is not sent until the advocate chooses, told so by message (in their language).
function radios(box, name, values, prefix, required, message) {
  box.replaceChildren(...values.map((v, i) => h('label', {},
    h('input', { type: 'radio', name, value: v, checked: !required && i === 0, required: !!required }), t(prefix + v))));
  if (!required) return;
  const first = box.querySelector('input');
  first.setCustomValidity(t(message));
  box.addEventListener('change', () => first.setCustomValidity(''));
  box.addEventListener('reset-choice', () => first.setCustomValidity(t(message)));
}

// indicatorLabel names an indicator: the hotline's own have texts in every language; one a
// hotline configured itself is shown as written.
function indicatorLabel(v) { return t.raw['ind_' + v] ? t('ind_' + v) : v.replaceAll('_', ' '); }

function buildDialogs() {
  $('close-title').textContent = t('disposition');
  $('close-note-label').textContent = t('note');
  // The disposition is required: nothing is chosen unless the record names the contact type.
  radios($('dispositions'), 'disposition', DISPOSITIONS, 'disp_', true, 'desk_close_choose_disposition');
  $('flag-title').textContent = t('flag_case');
  // The flag dialog suggests nothing: the advocate chooses the type and urgency themselves.
  radios($('flag-types'), 'case_type', CASE_TYPES, 'flag_', true, 'flag_choose_type');
  $('flag-types').prepend(h('legend', { text: t('flag_type') }));
  $('flag-indicators').replaceChildren(h('legend', { text: t('flag_indicators') }),
    ...(account.indicators?.length ? account.indicators : INDICATORS).map((v) =>
      h('label', {}, h('input', { type: 'checkbox', name: 'indicator', value: v }), indicatorLabel(v))));
  radios($('flag-urgencies'), 'urgency', URGENCIES, 'urgency_', true, 'flag_choose_urgency');
  $('flag-urgencies').prepend(h('legend', { text: t('flag_urgency') }));
  $('flag-summary-label').textContent = t('flag_summary');
  $('ref-title').textContent = t('referrals');
  $('ref-query').placeholder = t('referral_search');
  $('transfer-title').textContent = t('transfer');
  $('transfer-to-label').textContent = t('transfer_to_advocate');
  $('transfer-lang-label').textContent = t('transfer_language');
  for (const id of ['close-cancel', 'flag-cancel', 'ref-cancel', 'transfer-cancel']) $(id).textContent = t('cancel');
  for (const id of ['close-confirm', 'flag-confirm', 'transfer-confirm']) $(id).textContent = t('confirm');
  $('close-dialog').addEventListener('close', () => {
    const d = $('close-dialog');
    if (d.returnValue !== 'ok') return;
    const disposition = d.querySelector('input[name=disposition]:checked').value;
    // The record's last draft goes with the close, saved in the same step.
    conn.send({ type: Frame.Close, conversation: d.dataset.conv, disposition, note: $('close-note').value, record: deskDraft(d.dataset.conv) });
  });
  $('flag-dialog').addEventListener('close', () => {
    const d = $('flag-dialog');
    if (d.returnValue !== 'ok') return;
    const related = state.convs.get(d.dataset.conv)?.related;
    conn.send({ type: Frame.Flag, conversation: d.dataset.conv, case_id: related?.id || '',
      case_type: d.querySelector('input[name=case_type]:checked').value,
      indicators: [...d.querySelectorAll('input[name=indicator]:checked')].map((i) => i.value),
      urgency: d.querySelector('input[name=urgency]:checked').value, summary: $('flag-summary').value });
  });
  $('transfer-dialog').addEventListener('close', () => {
    const d = $('transfer-dialog');
    if (d.returnValue !== 'ok') return;
    const to = $('transfer-to').value.trim(), language = $('transfer-lang').value.trim();
    conn.send(to ? { type: Frame.Transfer, conversation: d.dataset.conv, to_advocate: to } : { type: Frame.Transfer, conversation: d.dataset.conv, language });
  });
  let timer;
  $('ref-query').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(searchReferrals, 200); });
}

function open(dialogID, convID, reset) {
  const d = $(dialogID);
  d.dataset.conv = convID;
  d.returnValue = '';
  reset?.(d);
  d.showModal();
}

function openClose(id) {
  open('close-dialog', id, (d) => {
    d.querySelector('form').reset();
    $('dispositions').dispatchEvent(new Event('reset-choice'));
    const known = d.querySelector(`input[name=disposition][value="${deskContactType(id)}"]`);
    if (known) { known.checked = true; $('dispositions').dispatchEvent(new Event('change')); }
  });
}
function openFlag(id) {
  const related = state.convs.get(id)?.related;
  $('flag-title').textContent = related ? `${t('flag_case')} · ${t('flag_adds_to', { Ref: related.ref })}` : t('flag_case');
  open('flag-dialog', id, (d) => {
    d.querySelector('form').reset();
    for (const box of ['flag-types', 'flag-urgencies']) $(box).dispatchEvent(new Event('reset-choice'));
  });
}
function openTransfer(id) { open('transfer-dialog', id, (d) => { d.querySelector('form').reset(); }); }
// openReferrals opens the dialog filtered to the conversation's language (Spanish) and searches.
async function openReferrals(id) {
  const lang = state.convs.get(id)?.conv?.language === 'es' ? 'es' : '';
  open('ref-dialog', id);
  $('ref-query').focus();
  const box = $('ref-facets');
  await fillFacets(t, box, searchReferrals, { language: lang });
  searchReferrals();
}

function searchReferrals() {
  conn.send({ type: Frame.Referrals, query: $('ref-query').value.trim(), ...facetFilter($('ref-facets')) });
}

function showReferrals(results, total) {
  const box = $('ref-results');
  $('ref-count').textContent = total > results.length ? t('dir_count', { Count: total }) : '';
  if (!results.length) { box.replaceChildren(h('p.muted', { text: t('referral_none') })); return; }
  const convID = $('ref-dialog').dataset.conv;
  box.replaceChildren(...results.map((r) => h('div.ref', {},
    h('div.name', { text: r.name }),
    h('div', { text: `${r.phone}${r.text ? ' · ' + r.text : ''} · ${r.hours}` }),
    h('div.muted', { text: `${r.services.join(', ')} · ${r.languages.join(', ')}` }),
    r.confidential ? h('div.confidential', { text: t('dir_confidential') }) : null,
    h('button.send-ref', { type: 'button', text: t('referral_send'), onclick: async () => {
      // A confidential entry (a shelter's address) goes to a contact only past a warning.
      if (r.confidential && !confirm(t('referral_confidential_warning', { Name: r.name }))) return;
      deskAddReferral(convID, r);
      if (state.convs.get(convID)?.conv?.channel === Channel.Voice) { voiceDial(convID, r.phone); $('ref-dialog').close(); return; } // dial them in
      const say = await loadTexts(state.convs.get(convID)?.conv?.language || 'en');
      const body = say(r.text ? 'referral_message_text' : 'referral_message', { Name: r.name, Phone: r.phone, Text: r.text, Hours: r.hours });
      conn.send({ type: Frame.Send, conversation: convID, body });
      $('ref-dialog').close();
    } }))));
}

// ---- keyboard ----

function onKey(e) {
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const first = [...state.offers.keys()][0];
  const k = e.code.replace(/^(Key|Digit)/, '').toLowerCase(); // e.code: Alt+letter types accents on some layouts
  const act = () => { e.preventDefault(); };
  if (k === 'a' && first) { act(); accept(first); }
  else if (k === 'd' && first) { act(); decline(first); }
  else if (k === 'p') { act(); alerts.unlock(); conn.send({ type: Frame.Presence, status: state.presence === Status.Available ? Status.Away : Status.Available }); }
  else if (/^[1-9]$/.test(k)) {
    const id = [...state.convs.keys()][Number(k) - 1];
    if (id) { act(); activate(id); state.convs.get(id).el.querySelector(".composer textarea")?.focus(); }
  } else if (state.active && k === 'c') { act(); openClose(state.active); }
  else if (state.active && k === 'f') { act(); openFlag(state.active); }
  else if (state.active && k === 'r') { act(); openReferrals(state.active); }
}

main().catch((err) => { if (err.message !== 'signed out') toast(String(err), true); });

// ---- interpreter (voice) ----

function onInterpreter(f) {
  const s = state.convs.get(f.conversation);
  if (!s) return;
  const name = (document.documentElement.lang === 'es' ? f.data?.name_es : f.data?.name_en) || f.data?.language || '';
  const key = { [EventType.InterpreterRinging]: 'interpreter_ringing', [EventType.InterpreterJoined]: 'interpreter_joined', [EventType.InterpreterLeft]: 'interpreter_left' }[f.type];
  s.interp = f.type === EventType.InterpreterLeft ? null : t(key, { Language: name });
  if (f.type === EventType.InterpreterLeft) toast(t(key, { Language: name }));
  renderConv(s, true);
}

function openInterpreter(id) {
  open('interp-dialog', id, (d) => {
    d.querySelector('form').reset();
    $('interp-results').replaceChildren();
    conn.send({ type: Frame.Languages, query: '' });
  });
}

function showLanguages(results) {
  const d = $('interp-dialog');
  $('interp-results').replaceChildren(...results.map((l) => h('li', {},
    h('button', { type: 'button', 'data-code': l.code, text: `${document.documentElement.lang === 'es' ? l.es : l.en} (${l.code})`, onclick: () => {
      conn.send({ type: Frame.Interpreter, conversation: d.dataset.conv, language: l.code });
      d.close('cancel');
    } }))));
}

function setupInterpreter() {
  $('interp-title').textContent = t('interpreter');
  $('interp-search-label').textContent = t('interpreter_search');
  $('interp-cancel').textContent = t('cancel');
  let timer;
  $('interp-search').addEventListener('input', (e) => {
    clearTimeout(timer);
    timer = setTimeout(() => conn.send({ type: Frame.Languages, query: e.target.value.trim() }), 150);
  });
}
