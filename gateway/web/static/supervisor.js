// The supervisor console: live queues, advocates, alerts with acknowledgement, case SLA clocks
// and charts drawn as inline SVG. Figures come from the read-only /api endpoints; the console
// websocket brings alerts and changes as they happen.
import { h, loadTexts, pickLang, me, signOutForm, Console, Beeper, toast, duration, clock } from './common.js';
import { Frame, EventType, Status, Channel, State, Urgency, SUPERVISE_MODES } from './protocol.js';
import { setupFollowUps, followUpFrame, reloadFollowUps } from './followups.js';

let t, account, conn;
const beeper = new Beeper();
const alerts = new Map();
let cases = [];
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

async function main() {
  const lang = pickLang();
  [t, account] = await Promise.all([loadTexts(lang), me()]);
  document.documentElement.lang = lang;
  document.title = `${t('app_name')} · ${t('supervisor_title')}`;
  $('title').textContent = t('supervisor_title');
  $('who').textContent = account.name;
  for (const [id, key] of [['alerts-title', 'alerts'], ['queues-title', 'queues'], ['advocates-title', 'advocates'],
    ['cases-title', 'cases'], ['volume-title', 'chart_volume'], ['answer-title', 'chart_answer'], ['to-console', 'console_title'],
    ['to-desk', 'desk_title'], ['to-reports', 'reports_title']]) {
    $(id).textContent = t(key);
  }
  $('to-admin').textContent = t('admin_link');
  $('to-admin').classList.toggle('hidden', account.role !== 'admin');
  $('lang-toggle').textContent = t('other_lang');
  $('lang-toggle').href = `?lang=${lang === 'es' ? 'en' : 'es'}`;
  $('signout-slot').append(signOutForm(account.csrf, t('logout')));
  $('sound').textContent = t('sound_test');
  $('sound').addEventListener('click', () => { beeper.unlock(); beeper.beep(false); });
  document.addEventListener('pointerdown', () => beeper.unlock(), { once: true });
  $('legend').append(h('span', {}, h('i.waiting'), t('waiting')), h('span', {}, h('i.arrived'), t('arrived')), h('span', {}, h('i.answered'), t('answered')),
    h('span', {}, h('i.abandoned'), t('abandoned')));
  conn = new Console(onFrame, (up) => {
    $('conn').textContent = up ? t('connection_ok') : t('connection_lost');
    $('conn').classList.toggle('down', !up);
  });
  // The supervisor's own follow-ups (scheduled from a case or a conversation), and their calls as they come due.
  const fu = h('section#followups-box');
  document.querySelector('main.board').append(fu);
  setupFollowUps(t, conn, fu, account.id);
  await refresh().catch(() => {});
  setInterval(() => refresh().catch(() => $('conn').classList.add('down')), 5000);
  setInterval(renderCases, 1000);
}

let pending;
function refreshSoon() { clearTimeout(pending); pending = setTimeout(() => refresh().catch(() => {}), 300); }

async function getJSON(path) {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (res.status === 401) { location.href = '/login?next=/supervisor'; throw new Error('signed out'); }
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

async function refresh() {
  const [q, a, s] = await Promise.all([getJSON('/api/queues'), getJSON('/api/advocates'), getJSON('/api/stats/today')]);
  renderQueues(q.queues);
  renderAdvocates(a.advocates);
  renderVolume(s.buckets);
  renderAnswer(s);
  try {
    const c = await getJSON('/api/cases');
    cases = c.cases;
    alerts.clear(); // the open alerts, as the server has them now (another supervisor may have acknowledged)
    for (const al of c.alerts) alerts.set(al.id, al);
    renderAlerts();
    renderCases();
  } catch { /* cases not available: the rest still works */ }
}

function onFrame(f) {
  if (followUpFrame(f)) return;
  switch (f.type) {
    case Frame.Snapshot:
      if (conn) reloadFollowUps(); // after a reconnect: what changed meanwhile
      for (const al of f.alerts || []) alerts.set(al.id, al);
      cases = f.cases || cases;
      renderAlerts(); renderCases();
      return;
    case EventType.AlertRaised:
      alerts.set(f.data?.alert || f.id, { id: f.data?.alert || '', case: f.data?.case || '', case_ref: f.data?.ref || f.data?.case_ref || '',
        urgency: f.data?.urgency || '', raised_at: f.at });
      renderAlerts();
      beeper.beep(f.data?.urgency === Urgency.Urgent);
      refreshSoon();
      return;
    case EventType.AlertAcknowledged:
      if (alerts.has(f.data?.alert)) { alerts.get(f.data.alert).acked_at = f.at; renderAlerts(); }
      refreshSoon();
      return;
    case EventType.AlertEscalated:
      beeper.beep(true);
      refreshSoon();
      return;
    case EventType.CaseFlagged: case EventType.CaseUpdated: case EventType.CaseSLABreached:
      refreshSoon();
      return;
    case Frame.OK:
      if (f.for === Frame.AckAlert && f.alert) { alerts.set(f.alert.id, f.alert); renderAlerts(); }
      return;
    case Frame.Error: return toast(f.message, true);
    case Frame.History: return showConversation(f);
    case EventType.Message:
      if ($('conv-dialog').open && $('conv-dialog').dataset.conv === f.conversation) appendMessage(f.message);
      return refreshSoon();
    default:
      if (f.type && f.type.startsWith('conversation.') || f.type === EventType.Offer || f.type === EventType.Presence) refreshSoon();
  }
}

function renderAlerts() {
  const box = $('alerts');
  const open = [...alerts.values()].filter((a) => !a.acked_at).sort((a, b) => (a.raised_at < b.raised_at ? 1 : -1));
  if (!open.length) { box.replaceChildren(h('p.muted', { text: t('no_alerts') })); return; }
  box.replaceChildren(...open.map((a) => h('div.alert', { 'data-alert': a.id },
    h('div', {}, h('a.case-link', { href: `/cases/${a.case}`, text: a.case_ref || a.case }), ' ',
      h(`span.badge${a.urgency === Urgency.Urgent ? '.urgent' : ''}`, { text: t('urgency_' + a.urgency) }), ' ',
      h('span.muted', { text: a.raised_at ? new Date(a.raised_at).toLocaleTimeString() : '' }),
      a.escalated?.length ? h('span.badge.urgent', { text: `↑ ${a.escalated.join(', ')}` }) : null),
    h('button.primary.ack', { type: 'button', text: t('acknowledge'), disabled: !a.id,
      onclick: () => conn.send({ type: Frame.AckAlert, alert: a.id }) }))));
}

function table(el, headers, rows) {
  el.replaceChildren(h('thead', {}, h('tr', {}, headers.map((x) => h('th', { text: x })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => (c instanceof Node ? h('td', {}, c) : h('td', { text: c })))))));
}

function renderQueues(queues) {
  table($('queues'), [t('queue_class'), t('waiting'), t('oldest_wait')],
    queues.map((q) => [`${q.channel} · ${q.language}`, String(q.waiting), q.waiting ? duration(q.oldest_wait_s) : '—']));
  const rows = $('queues').querySelectorAll('tbody tr');
  queues.forEach((q, i) => rows[i]?.setAttribute('data-class', q.class));
}

function renderAdvocates(advs) {
  table($('advocates'), [t('advocates'), t('presence'), t('load'), t('current')], advs.filter((a) => !a.disabled).map((a) => [
    `${a.name} (${a.languages.join('/')})`,
    `${t('status_' + (a.presence.status || Status.Offline))}${a.presence.alive ? '' : ' ⚠'}`,
    `${a.presence.voice ? '☎ ' : ''}${a.presence.text}/${a.presence.capacity}`,
    a.conversations.length ? h('span', {}, a.conversations.map((c) => h('button.view-conv', { type: 'button', 'data-conv': c.id,
      text: `${c.channel} ${c.contact || ''}`.trim(), onclick: () => conn.send({ type: Frame.History, conversation: c.id, limit: 100 }) }))) : '—',
  ]));
}

// showConversation opens a read-only view of a conversation; new messages join it live.
function showConversation(f) {
  const d = $('conv-dialog');
  d.dataset.conv = f.conversation.id;
  $('conv-title').textContent = `${f.conversation.channel} · ${f.conversation.language} · ${f.conversation.contact || ''} · ${f.conversation.advocate || ''}`;
  $('conv-close').textContent = t('close_conversation');
  $('conv-msgs').replaceChildren();
  for (const m of f.messages) appendMessage(m);
  // A call in progress can be listened to (muted), whispered into (the advocate alone hears) or joined.
  const live = f.conversation.channel === Channel.Voice && f.conversation.state === State.Active;
  $('conv-voice').replaceChildren(...(live ? SUPERVISE_MODES.map((mode) =>
    h('button', { type: 'button', text: t('supervise_' + mode), onclick: () => conn.send({ type: Frame.Supervise, conversation: f.conversation.id, mode }) })) : []));
  if (!d.open) d.showModal();
}

function appendMessage(m) {
  const list = $('conv-msgs');
  list.append(h(`div.msg.${m.direction}`, {}, m.body, h('span.meta', { text: `${m.at ? clock(new Date(m.at)) : ''} ${m.author || ''}`.trim() })));
  list.scrollTop = list.scrollHeight;
}

// renderCases shows each case's SLA clock (stopped once reported or closed) and opens it on the
// case desk.
function renderCases() {
  const now = Date.now();
  const shown = cases.slice(0, 30);
  // The table is rebuilt only when the cases changed; each second only the clocks move, in
  // place, so a case link with the keyboard's focus (or under a click) is not swapped away.
  const seen = JSON.stringify(shown);
  if (seen === renderCases.seen) {
    const rows = $('cases').querySelectorAll('tbody tr');
    shown.forEach((c, i) => rows[i]?.children[2]?.replaceChildren(caseDue(c, now)));
    return;
  }
  renderCases.seen = seen;
  table($('cases'), [t('cases'), t('flag_urgency'), t('sla_due'), ''], shown.map((c) =>
    [h('a.case-link', { href: `/cases/${c.id}`, text: c.ref || c.id }), t('urgency_' + c.urgency), caseDue(c, now), t('desk_state_' + c.state)]));
}

// caseDue is a case's SLA clock as a node: stopped once reported or closed, overdue, or left.
function caseDue(c, now) {
  if (c.sla_stopped_at) return h('span.sla-stopped', { text: t('desk_sla_stopped', { Time: duration((Date.parse(c.sla_stopped_at) - Date.parse(c.created_at)) / 1000) }) });
  const left = c.due_at ? (Date.parse(c.due_at) - now) / 1000 : null;
  if (left === null) return document.createTextNode('—');
  return left < 0 ? h('span.late', { text: `${t('sla_overdue')} ${duration(-left)}` }) : document.createTextNode(duration(left));
}

function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...kids);
  return el;
}

// renderVolume draws arrivals, answers and abandons per five minutes as grouped bars.
function renderVolume(buckets) {
  const W = 720, H = 180, pad = 22;
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.waiting, b.arrived, b.answered, b.abandoned)));
  const bw = (W - pad) / buckets.length;
  const y = (v) => H - pad - (v / max) * (H - 2 * pad);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chart_volume') });
  chart.append(svg('text', { x: 0, y: 12 }, String(max)), svg('line', { x1: pad, x2: W, y1: H - pad, y2: H - pad, stroke: '#d5d9e0' }));
  buckets.forEach((b, i) => {
    const x = pad + i * bw;
    [['arrived', b.arrived], ['answered', b.answered], ['abandoned', b.abandoned]].forEach(([cls, v], j) => {
      if (!v) return;
      chart.append(svg('rect', { class: cls, x: x + j * (bw / 3), y: y(v), width: Math.max(1, bw / 3 - 0.5), height: H - pad - y(v) },
        svg('title', {}, `${new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} ${t(cls)}: ${v}`)));
    });
    if (i % 12 === 0) chart.append(svg('text', { x, y: H - 6 }, new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
  });
  const points = buckets.map((b, i) => `${pad + i * bw + bw / 2},${y(b.waiting)}`).join(' ');
  chart.append(svg('polyline', { class: 'waiting', points }, svg('title', {}, t('waiting'))));
  $('volume').replaceChildren(chart);
}

function renderAnswer(s) {
  const W = 720, H = 120, pad = 60;
  const rows = [['p50', s.answer_p50_s], ['p90', s.answer_p90_s], ['p99', s.answer_p99_s]];
  const max = Math.max(60, ...rows.map((r) => r[1])); // a minute at least, so quick answers look quick
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chart_answer') });
  rows.forEach(([label, v], i) => {
    const w = (v / max) * (W - 2 * pad - 80);
    chart.append(svg('text', { x: 0, y: 24 + i * 34 }, label),
      svg('rect', { class: 'answered', x: pad, y: 10 + i * 34, width: Math.max(1, w), height: 20 }),
      svg('text', { x: pad + w + 6, y: 24 + i * 34 }, duration(v)));
  });
  $('answer').replaceChildren(chart, h('p.muted', { text: `${t('answered')}: ${s.answers}` }));
}

main().catch((err) => { if (err.message !== 'signed out') toast(String(err), true); });
