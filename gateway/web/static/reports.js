// The reports page: the de-identified figures of a date range (/api/reports) as key figures,
// charts drawn as inline SVG (bars with their numbers written beside them, so they read without
// colour), every figure in a table, CSV and JSON downloads and a print layout. In public mode
// the server leaves small cells out; the page shows them as "<5".
import { h, loadTexts, pickLang, me, signOutForm, duration } from './common.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
let t = (k) => k;
let lang = 'en';

function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const kid of kids) el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return el;
}

const fmt = (n) => new Intl.NumberFormat(lang).format(n);
// value reads a figure of a row: a number, "<5" when public statistics left it out, or "—" when
// it was hidden so that a small count cannot be worked out from a total.
function value(row, name) {
  if (row.suppressed && row.suppressed.includes(name)) return '<5';
  if (row.secondary && row.secondary.includes(name)) return '—';
  return row.figures[name] || 0;
}
const shown = (v) => (typeof v === 'number' ? fmt(v) : v);

// dims lists the values of one dimension of a figure ("arrived|channel|") in a row, largest first.
function dims(row, prefix, label) {
  const names = [...Object.keys(row.figures), ...(row.suppressed || []), ...(row.secondary || [])].filter((k) => k.startsWith(prefix));
  return names.map((k) => ({ label: label(k.slice(prefix.length)), value: value(row, k) }))
    .sort((a, b) => (typeof b.value === 'number' ? b.value : 0) - (typeof a.value === 'number' ? a.value : 0));
}

// hbars draws one bar a line: label, bar, number.
function hbars(items) {
  if (!items.length) return h('p.muted', { text: t('reports_none') });
  const line = 24, width = 360, labelW = 150, numW = 50;
  const max = Math.max(1, ...items.map((i) => (typeof i.value === 'number' ? i.value : 0)));
  const svg = s('svg', { viewBox: `0 0 ${width} ${items.length * line + 4}`, role: 'img' });
  items.forEach((it, i) => {
    const y = i * line + 2, n = typeof it.value === 'number' ? it.value : 0;
    const w = ((width - labelW - numW) * n) / max;
    svg.append(s('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end' }, clip(it.label, 24)),
      s('rect', { x: labelW, y: y + 3, width: Math.max(w, n ? 1 : 0), height: line - 8, class: 's0' }),
      s('text', { x: labelW + w + 4, y: y + 15 }, shown(it.value)));
  });
  svg.prepend(s('title', {}, items.map((i) => `${i.label}: ${shown(i.value)}`).join('; ')));
  return svg;
}

function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + '…' : text; }

// columns draws grouped columns per period for several series, with a y axis and a legend.
function columns(rows, series) {
  if (!rows.length) return h('p.muted', { text: t('reports_none') });
  const width = 360, height = 200, left = 36, bottom = 34, top = 8;
  const vals = rows.flatMap((r) => series.map((x) => value(r, x.name))).filter((v) => typeof v === 'number');
  const max = Math.max(1, ...vals);
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  const top1 = Math.ceil(max / step) * step;
  const plotH = height - bottom - top, slot = (width - left) / rows.length;
  const barW = Math.max(2, (slot * 0.8) / series.length);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
  for (const tick of [0, top1 / 2, top1]) {
    const y = top + plotH - (plotH * tick) / top1;
    svg.append(s('line', { x1: left, x2: width, y1: y, y2: y, class: 'axis', 'stroke-width': 0.5 }),
      s('text', { x: left - 4, y: y + 4, 'text-anchor': 'end' }, fmt(tick)));
  }
  const every = Math.ceil(rows.length / 8); // at most eight labels, so they stay readable
  rows.forEach((r, i) => {
    series.forEach((x, j) => {
      const v = value(r, x.name), n = typeof v === 'number' ? v : 0, bh = (plotH * n) / top1;
      const rect = s('rect', { x: left + i * slot + slot * 0.1 + j * barW, y: top + plotH - bh, width: barW - 1, height: bh, class: 's' + j });
      rect.append(s('title', {}, `${r.period} · ${x.label}: ${shown(v)}`));
      svg.append(rect);
    });
    if (i % every === 0) {
      svg.append(s('text', { x: left + i * slot + slot / 2, y: height - bottom + 14, 'text-anchor': 'middle' }, shortPeriod(r.period)));
    }
  });
  const legend = h('div.legend', {}, series.map((x, j) => h('span', {}, h('i.s' + j), x.label)));
  return h('div', {}, svg, legend);
}

function shortPeriod(p) { return /^\d{4}-\d{2}-\d{2}$/.test(p) ? p.slice(5) : p; }

function langName(code) {
  try { return new Intl.DisplayNames([lang], { type: 'language' }).of(code) || code; } catch { return code; }
}

function keyFigures(rep) {
  const tot = rep.total, m = rep.means || {};
  const items = [
    ['reports_arrived', shown(value(tot, 'arrived'))],
    ['reports_answered', shown(value(tot, 'answered'))],
    ['reports_abandoned', shown(value(tot, 'abandoned'))],
    ['reports_missed_offers', shown(value(tot, 'offers_missed'))],
    ['reports_answer_mean', m.answer_s !== undefined ? duration(m.answer_s) : '—'],
    ['reports_handle_mean', m.handle_s !== undefined ? duration(m.handle_s) : '—'],
    ['reports_interpreter_minutes', m.interpreter_minutes !== undefined ? fmt(m.interpreter_minutes) : '—'],
    ['reports_referrals', shown(value(tot, 'referrals'))],
    ['reports_cases_opened', shown(value(tot, 'cases_opened'))],
    ['reports_cases_reported', shown(value(tot, 'cases_reported'))],
    ['reports_sla_met', shown(value(tot, 'sla|met'))],
    ['reports_sla_missed', shown(value(tot, 'sla|missed'))],
    ['reports_flag_to_report', m.flag_to_report_s !== undefined ? duration(m.flag_to_report_s) : '—'],
  ];
  $('r-key').replaceChildren(...items.map(([k, v]) => h('div', { 'data-figure': k }, h('b', { text: v }), h('span', { text: t(k) }))));
}

function allFigures(rep) {
  const tot = rep.total;
  const names = [...new Set([...Object.keys(tot.figures), ...(tot.suppressed || []), ...(tot.secondary || [])])].sort();
  $('r-all').replaceChildren(h('tr', {}, h('th', { text: t('reports_figure') }), h('th', { text: t('reports_total') })),
    ...names.map((k) => h('tr', {}, h('td', { text: k }), h('td.n', { text: shown(value(tot, k)) }))));
}

function query() {
  const q = new URLSearchParams(new FormData($('range')));
  if (!$('r-public').checked) q.delete('public');
  return q;
}

async function show() {
  const q = query();
  history.replaceState(null, '', '/reports?' + q);
  $('r-csv').href = '/api/reports?' + q + '&format=csv';
  $('r-json').href = '/api/reports?' + q;
  $('r-error').textContent = '';
  const res = await fetch('/api/reports?' + q, { credentials: 'same-origin', headers: { 'Accept-Language': lang } });
  const rep = await res.json().catch(() => ({}));
  if (!res.ok) { $('r-error').textContent = t('reports_error') + (rep.error ? ` (${rep.error})` : ''); return; }
  $('r-heading').textContent = t('reports_heading', { From: rep.from, To: rep.to });
  $('r-note').textContent = rep.public ? t('reports_public_note') : t('reports_private_note');
  keyFigures(rep);
  const tot = rep.total;
  $('c-periods').replaceChildren(columns(rep.rows, [
    { name: 'arrived', label: t('reports_arrived') }, { name: 'answered', label: t('reports_answered') },
    { name: 'abandoned', label: t('reports_abandoned') }]));
  $('c-channels').replaceChildren(hbars(dims(tot, 'arrived|channel|', (c) => t('badge_' + c))));
  $('c-types').replaceChildren(hbars(dims(tot, 'closed|disposition|', (d) => (d === 'none' ? t('reports_not_recorded') : t('disp_' + d)))));
  $('c-callers').replaceChildren(hbars(dims(tot, 'records|caller_type|', (c) => t('desk_caller_' + c))));
  $('c-services').replaceChildren(hbars(dims(tot, 'referrals|service|', (x) => x)));
  $('c-languages').replaceChildren(hbars(dims(tot, 'arrived|language|', langName)));
  allFigures(rep);
}

function setMonth(v) {
  const [y, m] = v.split('-').map(Number);
  if (!y || !m) return;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  $('r-from').value = `${v}-01`;
  $('r-to').value = `${v}-${String(last).padStart(2, '0')}`;
}

async function main() {
  lang = pickLang();
  let account;
  [t, account] = await Promise.all([loadTexts(lang), me()]);
  document.documentElement.lang = lang;
  document.title = `${t('app_name')} · ${t('reports_title')}`;
  $('title').textContent = t('reports_title');
  $('who').textContent = account.name;
  $('lang-toggle').textContent = t('other_lang');
  $('lang-toggle').href = `?${new URLSearchParams({ ...Object.fromEntries(query()), lang: lang === 'es' ? 'en' : 'es' })}`;
  $('signout-slot').append(signOutForm(account.csrf, t('logout')));
  const texts = [['nav-supervisor', 'supervisor_title'], ['nav-cases', 'cases'], ['nav-reports', 'reports_title'],
    ['r-month-l', 'reports_month'], ['r-from-l', 'reports_from'], ['r-to-l', 'reports_to'], ['r-by-l', 'reports_by'],
    ['r-public-l', 'reports_public'], ['r-go', 'reports_show'], ['r-csv', 'reports_csv'], ['r-json', 'reports_json'],
    ['r-print', 'reports_print'], ['c-periods-t', 'reports_chart_periods'], ['c-channels-t', 'reports_chart_channels'],
    ['c-types-t', 'reports_chart_types'], ['c-callers-t', 'reports_chart_callers'], ['c-services-t', 'reports_chart_services'],
    ['c-languages-t', 'reports_chart_languages'], ['r-all-t', 'reports_all']];
  for (const [id, key] of texts) $(id).textContent = t(key);
  $('r-by').replaceChildren(...['day', 'week', 'month'].map((b) => h('option', { value: b, text: t('reports_by_' + b) })));
  const q = new URLSearchParams(location.search);
  const now = new Date();
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  $('r-month').value = month;
  setMonth(month);
  if (q.get('from')) $('r-from').value = q.get('from');
  if (q.get('to')) $('r-to').value = q.get('to');
  // The month field names the range only when the range is one month.
  const from = $('r-from').value;
  $('r-month').value = from.slice(0, 7) === $('r-to').value.slice(0, 7) ? from.slice(0, 7) : '';
  if (q.get('by')) $('r-by').value = q.get('by');
  $('r-public').checked = q.get('public') === '1';
  $('r-month').addEventListener('change', (e) => { setMonth(e.target.value); show(); });
  $('range').addEventListener('submit', (e) => { e.preventDefault(); show(); });
  $('r-public').addEventListener('change', show);
  $('r-print').addEventListener('click', () => window.print());
  await show();
}

main();
