// Submissions, newest first, with each one's stage progress. Polled every second while any visible
// submission is still moving; every few seconds otherwise, so new arrivals show up.
import {getJson, items, query} from '../api.js';
import {el, link, seg} from '../dom.js';
import {FINAL} from '../format.js';
import {stageStrip} from '../stages.js';
import {badge, note, table, when} from '../widgets.js';

const PAGE = 25;
const STATUSES = ['received', 'queued', 'scanning', 'evaluating', 'promoted', 'admitted', 'rejected', 'hacked', 'failed'];
const KINDS = ['model', 'kernel'];
export const LIVE_POLL_MS = 1000;
const IDLE_POLL_MS = 5000;

// Details of final submissions do not change until a re-scan (which changes attempt and updatedAt):
// fetched once per (id, attempt, updatedAt), not every second.
const finalDetails = new Map();
const FINAL_CACHE_MAX = 500;

export function submissionsView(params) {
  const filter = {
    status: STATUSES.includes(params.get('status')) ? params.get('status') : '',
    kind: KINDS.includes(params.get('kind')) ? params.get('kind') : '',
    offset: Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0),
  };
  return {
    title: 'Submissions',
    head: () => filterBar(filter),
    load: signal => load(filter, signal),
  };
}

function filterBar(filter) {
  const status = select('status', ['', ...STATUSES], filter.status);
  const kind = select('kind', ['', ...KINDS], filter.kind);
  const apply = () => {
    location.hash = '#/submissions' + query({status: status.value, kind: kind.value});
  };
  status.addEventListener('change', apply);
  kind.addEventListener('change', apply);
  return el('div', {class: 'toolbar'}, el('h1', {}, 'Submissions'),
    el('label', {}, 'Status ', status), el('label', {}, 'Kind ', kind));
}

function select(name, values, selected) {
  return el('select', {name}, values.map(v => el('option', {value: v, selected: v === selected}, v || 'any')));
}

async function load(filter, signal) {
  const page = await getJson('v1/submissions' + query({
    status: filter.status, kind: filter.kind, limit: PAGE, offset: filter.offset,
  }), signal);
  const list = items(page);
  const details = await Promise.all(list.map(s => detailOf(s, signal)));
  const live = list.some(s => !FINAL.has(s.status));
  const rows = list.map((s, i) => row(s, details[i]));
  const total = typeof page.total === 'number' ? page.total : list.length;
  const body = el('div', {},
    list.length === 0
      ? note('muted', filter.status || filter.kind ? 'No submission matches this filter.' : 'No submissions yet.')
      : table(['Status', 'Kind', 'Name', 'Stages (current attempt)', 'Created', 'Updated'], rows,
        {class: 'submissions', 'data-total': total}),
    pager(filter, total, list.length));
  return {node: body, pollMs: live ? LIVE_POLL_MS : IDLE_POLL_MS, live};
}

async function detailOf(s, signal) {
  const key = `${s.id}|${s.attempt}|${s.updatedAt}`;
  if (FINAL.has(s.status) && finalDetails.has(key)) {
    return finalDetails.get(key);
  }
  try {
    const d = await getJson('v1/submissions/' + seg(s.id), signal);
    if (FINAL.has(d.status)) {
      if (finalDetails.size >= FINAL_CACHE_MAX) {
        finalDetails.clear();
      }
      finalDetails.set(`${d.id}|${d.attempt}|${d.updatedAt}`, d);
    }
    return d;
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    return {error: e};
  }
}

function row(s, detail) {
  // the list's status is the one shown; the detail may be a moment newer, its stages are what we have
  const stages = detail.error
    ? el('span', {class: 'muted'}, 'stages unavailable: ' + detail.error.message)
    : stageStrip({...detail, status: detail.status ?? s.status});
  return el('tr', {'data-id': s.id, 'data-status': s.status},
    el('td', {class: 'status'}, badge(s.status)),
    el('td', {}, s.kind ?? ''),
    el('td', {class: 'name'}, link('#/submissions/' + seg(s.id), s.name || s.id),
      el('div', {class: 'muted small filename'}, s.filename ?? ''),
      s.attempt > 1 ? el('div', {class: 'muted small'}, 'attempt ' + s.attempt) : null),
    el('td', {}, stages),
    el('td', {}, when(s.createdAt)),
    el('td', {}, when(s.updatedAt)));
}

function pager(filter, total, shown) {
  const base = {status: filter.status, kind: filter.kind};
  const prev = filter.offset > 0
    ? link('#/submissions' + query({...base, offset: Math.max(0, filter.offset - PAGE)}), '← newer') : null;
  const next = filter.offset + shown < total
    ? link('#/submissions' + query({...base, offset: filter.offset + PAGE}), 'older →') : null;
  return el('p', {class: 'pager muted'}, prev, ' ',
    shown ? `${filter.offset + 1}–${filter.offset + shown} of ${total}` : '', ' ', next);
}
