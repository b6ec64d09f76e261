// The case page: the case's timeline (reports and tip content, notes, consents, reports made,
// alerts), its conversations' transcripts while retained, its audit entries, and the actions:
// assign, note, report to an agency (refused without consent unless an exception is named),
// close with an outcome, reveal a contact.
import { h, clock } from './common.js';
import { desk, api, sla, stateText, when, go } from './cases.js';
import { caseFollowUps } from './followups.js';

const $ = (id) => document.getElementById(id);
let current = null; // the case file shown
let wired = false;

export async function showCase(id) {
  const t = desk.t;
  if (!wired) { wire(); wired = true; }
  $('case-head').replaceChildren(h('p.muted', { text: '…' }));
  try {
    current = await api(`/api/desk/cases/${encodeURIComponent(id)}`);
  } catch (err) {
    $('case-head').replaceChildren(h('p.error', { role: 'alert', text: err.message }));
    $('timeline').replaceChildren();
    return;
  }
  render();
  document.title = `${current.case.ref} · ${t('desk_title')}`;
}

function render() {
  const t = desk.t, c = current.case;
  $('case-head').replaceChildren(
    h('h1', { id: 'case-ref', text: c.ref }),
    h(`span.badge${c.urgency === 'urgent' ? '.urgent' : ''}`, { text: t('urgency_' + c.urgency) }),
    h('span#case-state', { text: stateText(c) }),
    h('span', { text: t('flag_' + c.type) }),
    h('span#case-sla', {}, sla(c)),
    h('span.muted', { text: c.assigned_to ? t('desk_assigned_to', { Name: c.assigned_to }) : t('desk_unassigned') }),
    c.indicators.length ? h('span', { text: c.indicators.map((i) => t('ind_' + i)).join(', ') }) : null);
  renderTimeline();
  renderConversations();
  renderAudit();
  const closed = c.state === 'closed';
  for (const id of ['assign-form', 'report-form', 'close-form']) $(id).classList.toggle('hidden', closed);
  $('assign-to').value = c.assigned_to || '';
  $('report-go').textContent = current.disclosures.length ? t('desk_report_supplemental') : t('desk_report_go');
  renderReveal();
  caseFollowUps(t, c.id, api, $('case-actions'));
}

// timeline merges everything that happened to the case, oldest first.
function renderTimeline() {
  const t = desk.t, f = current, items = [];
  for (const r of f.reports) {
    items.push([r.at, h(`li.${r.source}`, { 'data-kind': r.source }, h('span.kind', { text: t('desk_source_' + r.source) }),
      h('span.when', { text: `${when(r.at)} · ${r.by}` }), h('p.pre.report-text', { text: r.summary || t('desk_no_summary') }))]);
  }
  for (const n of f.notes) {
    items.push([n.at, h('li.note', { 'data-kind': 'note' }, h('span.kind', { text: t('desk_note') }),
      h('span.when', { text: `${when(n.at)} · ${n.by}` }), h('p.pre', { text: n.text }))]);
  }
  for (const k of f.consents) {
    items.push([k.at, h('li.consent', { 'data-kind': 'consent' }, h('span.kind', { text: t(k.granted ? 'desk_consent_granted' : 'desk_consent_withdrawn') }),
      h('span', { text: `${t('desk_scope_' + k.scope)} → ${recipient(k.with)}` }),
      h('span.when', { text: ` ${when(k.at)} · ${k.by}` }), k.note ? h('p.pre', { text: k.note }) : null)]);
  }
  for (const d of f.disclosures) {
    items.push([d.at, h('li.disclosure', { 'data-kind': 'disclosure' },
      h('span.kind', { text: d.supplemental ? t('desk_supplemental') : t('desk_reported') }),
      h('span', { text: `${d.agency || recipient(d.to)} · ${t('desk_basis_' + d.basis)}` }),
      h('span.when', { text: ` ${when(d.at)} · ${d.by}` }),
      d.grounds ? h('p.pre', { text: d.grounds }) : null,
      d.id ? h('p', {}, h('a.packet-link', { href: `/cases/${f.case.id}/packet/${d.id}?lang=${desk.lang}`, target: '_blank', rel: 'noopener', text: t('desk_packet') })) : null)]);
  }
  for (const a of f.alerts) {
    items.push([a.raised_at, h('li.alert-item', { 'data-kind': 'alert' }, h('span.kind', { text: t('desk_alert_raised') }),
      h('span.when', { text: when(a.raised_at) }), a.escalated?.length ? h('span', { text: ` ↑ ${a.escalated.join(', ')}` }) : null)]);
    if (a.acked_at) {
      items.push([a.acked_at, h('li.alert-item', { 'data-kind': 'ack' }, h('span.kind', { text: t('desk_alert_acked') }),
        h('span.when', { text: `${when(a.acked_at)} · ${a.acked_by}` }))]);
    }
  }
  if (f.case.closed_at) {
    items.push([f.case.closed_at, h('li.closed', { 'data-kind': 'closed' }, h('span.kind', { text: stateText(f.case) }),
      h('span.when', { text: `${when(f.case.closed_at)} · ${f.case.closed_by}` }), f.closed_note ? h('p.pre', { text: f.closed_note }) : null)]);
  }
  items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  $('timeline').replaceChildren(...items.map((x) => x[1]));
}

function recipient(w) {
  const t = desk.t;
  if (w.startsWith('provider:')) return w.slice(9);
  return t('desk_to_' + w);
}

function renderConversations() {
  const t = desk.t;
  const convs = current.conversations;
  if (!convs.length) { $('case-convs').replaceChildren(h('p.muted', { text: t('desk_no_conversations') })); return; }
  $('case-convs').replaceChildren(...convs.map((v) => h('div.transcript', { 'data-conv': v.id },
    h('h3', { text: v.conversation ? `${t('badge_' + v.conversation.channel)} · ${when(v.conversation.created_at)} · ${v.conversation.contact || t('desk_anonymous')} · ${v.conversation.advocate || ''}` : v.id }),
    v.retained ? h('div.msgs', {}, v.messages.map((m) => h(`div.msg.${m.direction}`, {}, m.body,
      h('span.meta', { text: `${m.at ? clock(new Date(m.at)) : ''} ${m.author || ''}`.trim() }))))
      : h('p.muted.not-retained', { text: t('desk_not_retained') }))));
}

function renderAudit() {
  const t = desk.t;
  $('case-audit').replaceChildren(h('tbody', {}, current.audit.map((a) => h('tr', {},
    h('td', { text: when(a.at) }), h('td', { text: a.who }), h('td', { text: a.action }),
    h('td', { text: Object.entries(a.data || {}).map(([k, v]) => `${k}=${v}`).join('; ') })))));
  $('case-audit-title').textContent = `${t('desk_case_audit')} (${current.audit.length})`;
}

function renderReveal() {
  const t = desk.t, c = current.case;
  const buttons = [];
  if (c.has_contact) buttons.push(revealButton(t('desk_reveal_tip'), ''));
  for (const v of current.conversations) {
    if (v.conversation?.contact) buttons.push(revealButton(`${t('desk_reveal')} ${v.conversation.contact}`, v.id));
  }
  $('reveal-box').classList.toggle('hidden', !buttons.length);
  $('reveal-box').replaceChildren(h('h3', { text: t('desk_reveal_title') }), h('p.muted', { text: t('desk_reveal_audited') }), ...buttons);
}

function revealButton(label, conv) {
  const out = h('span.revealed');
  const btn = h('button.reveal', { type: 'button', text: label, 'data-conv': conv, onclick: async () => {
    try {
      out.textContent = (await api(`/api/desk/cases/${current.case.id}/reveal`, { conversation: conv })).contact;
      btn.disabled = true;
    } catch (err) { out.textContent = err.message; }
  } });
  return h('div', {}, btn, ' ', out);
}

// act posts an action and shows the case again, or the refusal where the person acted.
async function act(path, body, errorEl) {
  if (errorEl) errorEl.textContent = '';
  try {
    const res = await api(`/api/desk/cases/${current.case.id}/${path}`, body);
    await showCase(current.case.id);
    return res;
  } catch (err) {
    if (errorEl) errorEl.textContent = err.message;
    else alert(err.message);
    return null;
  }
}

function wire() {
  const t = desk.t;
  for (const [id, key] of [['back-to-list', 'desk_back'], ['timeline-title', 'desk_timeline'], ['convs-title', 'conversations'],
    ['assign-title', 'desk_assign'], ['assign-go', 'desk_assign_go'], ['note-title', 'desk_note'], ['note-go', 'desk_note_go'],
    ['report-title', 'desk_report'], ['report-to-l', 'desk_report_to'], ['report-agency-l', 'desk_agency'],
    ['report-exception-l', 'desk_exception'], ['report-grounds-l', 'desk_grounds'], ['close-title', 'desk_close'], ['close-go', 'desk_close_go']]) {
    $(id).textContent = t(key);
  }
  $('back-to-list').addEventListener('click', (e) => { e.preventDefault(); go('/cases'); });
  $('assign-to').replaceChildren(h('option', { value: '', text: t('desk_unassigned') }),
    ...(desk.accounts || []).map((a) => h('option', { value: a.id, text: `${a.name} (${a.role})` })));
  $('report-to').append(...['law_enforcement', 'provider'].map((v, i) => h('label', {},
    h('input', { type: 'radio', name: 'report-to', value: v, checked: i === 0 }), t('desk_to_' + v))));
  $('report-exception').replaceChildren(...['', 'child_abuse_suspected', 'imminent_harm'].map((v) =>
    h('option', { value: v, text: v ? t('desk_basis_' + v) : t('desk_no_exception') })));
  $('report-exception').addEventListener('change', () => $('report-grounds-box').classList.toggle('hidden', !$('report-exception').value));
  $('close-outcome').replaceChildren(...['reported', 'referred', 'lacking_info', 'not_trafficking', 'other'].map((v) =>
    h('option', { value: v, text: t('desk_outcome_' + v) })));
  $('close-note').placeholder = t('desk_close_note');
  // The agency's suggestions come from the directory as the name is typed (it holds thousands).
  let agencyTimer, agencyAsked = 0;
  $('report-agency').addEventListener('input', () => {
    clearTimeout(agencyTimer);
    agencyTimer = setTimeout(() => {
      const q = $('report-agency').value.trim(), mine = ++agencyAsked;
      if (!q) { $('agencies').replaceChildren(); return; }
      // Not api(): a signed-out GET there leaves for the sign-in page, and suggestions must never
      // cost the supervisor what they typed in the report form.
      fetch('/api/referrals?' + new URLSearchParams({ q, limit: 20 }), { credentials: 'same-origin' })
        .then((res) => (res.ok ? res.json() : null)).then((r) => {
          if (r && mine === agencyAsked) $('agencies').replaceChildren(...r.results.map((x) => h('option', { value: x.name })));
        }).catch(() => {});
    }, 200);
  });

  $('assign-form').addEventListener('submit', (e) => { e.preventDefault(); act('assign', { assignee: $('assign-to').value }); });
  $('note-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act('notes', { text: $('note-text').value })) $('note-text').value = '';
  });
  $('report-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { to: document.querySelector('input[name="report-to"]:checked').value, agency: $('report-agency').value,
      exception: $('report-exception').value, grounds: $('report-exception').value ? $('report-grounds').value : '' };
    if (await act('reports', body, $('report-error'))) {
      $('report-grounds').value = '';
      $('report-exception').value = '';
      $('report-grounds-box').classList.add('hidden');
    }
  });
  $('close-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act('close', { outcome: $('close-outcome').value, note: $('close-note').value }, $('close-error'));
  });
  setInterval(() => { if (current && !$('view-case').classList.contains('hidden')) $('case-sla')?.replaceChildren(sla(current.case)); }, 1000); // absent while the page is being rebuilt
}
