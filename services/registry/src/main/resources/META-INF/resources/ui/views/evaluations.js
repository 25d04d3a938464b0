// Conformance evaluations: phase, conditions, last result, whether the corpus changed since, and the
// attack success rate of the newest runs as a chart and a table. A registry without the
// evaluations API (404/405/501) gets a clear "not available" state, not an error.
import {ApiError, getJson, items, query} from '../api.js';
import {el, link, seg} from '../dom.js';
import {percent, shortDigest} from '../format.js';
import {asrChart} from '../chart.js';
import {badge, code, facts, failure, note, table, when} from '../widgets.js';

const POLL_MS = 10000;
const PAGE = 20;

/** {available, items, total} or {available: false, reason}; other failures throw. */
export async function loadEvaluations(signal, limit, offset) {
  try {
    const page = await getJson('v1/evaluations' + query({limit, offset}), signal);
    const list = items(page);
    return {available: true, items: list, total: typeof page.total === 'number' ? page.total : list.length};
  } catch (e) {
    if (e instanceof ApiError && [404, 405, 501].includes(e.status)) {
      return {available: false, reason: `GET v1/evaluations answered ${e.status}`};
    }
    // evaluations are the operators' configuration: a submitter's models view goes without them
    if (e instanceof ApiError && e.status === 403) {
      return {available: false, forbidden: true, reason: 'not readable with this role'};
    }
    throw e;
  }
}

export function evaluationsView(params) {
  const offset = Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0);
  return {
    title: 'Evaluations',
    head: () => el('h1', {}, 'Conformance evaluations'),
    load: async signal => {
      const r = await loadEvaluations(signal, PAGE, offset);
      if (!r.available) {
        return {node: unavailable(r.reason), pollMs: 0};
      }
      if (r.items.length === 0) {
        return {node: note('muted', offset > 0 ? 'No evaluations on this page.' : 'No evaluations defined yet.',
          el('span', {class: 'evaluations-state', 'data-state': 'empty'})), pollMs: POLL_MS};
      }
      return {node: el('div', {class: 'evaluations', 'data-state': 'list', 'data-total': r.total},
        r.items.map(e => card(e, true)), pager(offset, r.items.length, r.total)), pollMs: POLL_MS};
    },
  };
}

function pager(offset, shown, total) {
  return el('p', {class: 'pager muted'},
    offset > 0 ? link('#/evaluations' + query({offset: Math.max(0, offset - PAGE)}), '← previous') : null, ' ',
    `${offset + 1}–${offset + shown} of ${total}, by name`, ' ',
    offset + shown < total ? link('#/evaluations' + query({offset: offset + PAGE}), 'next →') : null);
}

export function evaluationView(params, name) {
  return {
    title: 'Evaluation ' + name,
    head: () => el('p', {class: 'crumbs'}, link('#/evaluations', '← Evaluations')),
    load: async signal => {
      try {
        return {node: card(await getJson('v1/evaluations/' + seg(name), signal), false), pollMs: POLL_MS};
      } catch (e) {
        if (e instanceof ApiError && [405, 501].includes(e.status)) {
          return {node: unavailable(`GET v1/evaluations/{name} answered ${e.status}`), pollMs: 0};
        }
        if (e instanceof ApiError && e.status === 404) {
          return {node: failure(e), pollMs: 0};
        }
        throw e;
      }
    },
  };
}

function unavailable(reason) {
  return note('muted', 'The evaluations API is not available on this registry (', reason, ').',
    el('span', {class: 'evaluations-state', 'data-state': 'unavailable'}));
}

function card(e, compact) {
  const last = e.lastResult ?? null;
  const history = Array.isArray(e.history) ? e.history : [];
  const corpus = e.corpus ?? {};
  // the operator's question on a change of phase: did the model change, or the corpus?
  const lastDigest = last?.corpusDigest;
  const drifted = e.corpusDigestNow && lastDigest && e.corpusDigestNow !== lastDigest;
  return el('section', {class: 'evaluation card', 'data-name': e.name ?? ''},
    el(compact ? 'h2' : 'h1', {}, compact ? link('#/evaluations/' + seg(e.name ?? ''), e.name ?? '') : (e.name ?? ''),
      ' ', badge(e.phase, 'phase')),
    facts([
      ['Model', e.model], ['Corpus', corpus.ref ? code(corpus.ref) : ''],
      ['Corpus digest (pinned)', corpus.digest ? code(shortDigest(corpus.digest), {title: corpus.digest}) : ''],
      ['Corpus digest now', e.corpusDigestNow ? code(shortDigest(e.corpusDigestNow), {title: e.corpusDigestNow}) : ''],
      ['Schedule', e.schedule ? code(e.schedule) : 'run on demand only'], ['Next run', e.nextRunAt ? when(e.nextRunAt) : ''],
      ['Attack success rate limit', percent(e.maxAttackSuccessRate)],
      ['Fail model on drift', e.failModelOnDrift === true ? 'yes' : 'no'],
      ['Model held', e.modelHeld === true ? el('span', {class: 'held'}, 'yes: out of the serving list until it passes again') : ''],
      ['In flight', e.inFlight ? [code(e.inFlight.runId ?? ''), ' ', e.inFlight.state ?? '', ' since ', when(e.inFlight.requestedAt)] : ''],
      ['Created', e.createdAt ? [when(e.createdAt), e.createdBy ? ' by ' + e.createdBy : ''] : ''],
    ]),
    drifted ? note('warn', 'The corpus changed since the last run (', code(shortDigest(lastDigest)), ' → ',
      code(shortDigest(e.corpusDigestNow)), '): a change of result may come from the corpus, not the model.') : null,
    conditions(e.conditions),
    lastResult(last),
    el('h3', {}, 'Attack success rate over time'),
    asrChart(history, e.maxAttackSuccessRate),
    compact && history.length > 5 ? el('details', {}, el('summary', {}, `History (${history.length} runs)`), runs(history))
      : runs(history));
}

function conditions(list) {
  if (!Array.isArray(list) || list.length === 0) {
    return null;
  }
  return table(['Condition', 'Status', 'Reason', 'Message', 'Since'], list.map(c =>
    [c.type ?? '', badge(c.status, null, conditionTone(c)), c.reason ?? '', c.message ?? '', when(c.lastTransitionTime)]),
  {class: 'conditions'});
}

/** Ready=True is good news; Degraded=True and ConformanceDrift=True are bad; Progressing=True is work under way. */
function conditionTone(c) {
  const on = String(c.status) === 'True';
  const off = String(c.status) === 'False';
  switch (c.type) {
    case 'Ready':
      return on ? 'good' : off ? 'bad' : 'muted';
    case 'Degraded':
    case 'ConformanceDrift':
      return on ? 'bad' : off ? 'good' : 'muted';
    case 'Progressing':
      return on ? 'live' : 'muted';
    default:
      return 'muted';
  }
}

function lastResult(r) {
  if (!r) {
    return note('muted', 'No run yet.');
  }
  return [el('h3', {}, 'Last result'), facts([
    ['Run', [code(r.runId ?? ''), r.trigger ? ` (${r.trigger})` : '']], ['State', r.state],
    ['Error', r.error ? el('span', {class: 'run-error'}, r.error) : ''],
    ['Passed', badge(r.passed === true ? 'pass' : r.passed === false ? 'fail' : 'unknown')],
    ['Attack success rate', measured(r) ? percent(r.attackSuccessRate) || 'not reported' : 'not measured'],
    ['Cases', r.cases === undefined ? '' : `${r.cases} (${r.failed ?? 0} failed)`],
    ['Execution provider', r.executionProvider], ['Started', when(r.startedAt)], ['Finished', when(r.finishedAt)],
    ['Corpus digest', r.corpusDigest ? code(shortDigest(r.corpusDigest), {title: r.corpusDigest}) : ''],
  ])];
}

function runs(history) {
  if (history.length === 0) {
    return note('muted', 'No history yet.');
  }
  return table(['Run', 'Finished', 'State', 'Provider', 'Cases', 'Failed', 'ASR', 'Corpus', 'Passed'], history.map(r => [
    code(r.runId ?? ''), when(r.finishedAt || r.startedAt || r.requestedAt), [r.state ?? '',
      r.error ? el('div', {class: 'muted small run-error'}, r.error) : null], r.executionProvider ?? '', String(r.cases ?? ''),
    String(r.failed ?? ''), measured(r) ? percent(r.attackSuccessRate) || 'n/a' : 'n/a',
    r.corpusDigest ? code(shortDigest(r.corpusDigest), {title: r.corpusDigest}) : '',
    badge(r.passed === true ? 'pass' : r.passed === false ? 'fail' : 'unknown')]), {class: 'runs'});
}

/** A run's rate means something only once it completed (a queued or failed run reports 0). */
function measured(r) {
  return r.state === undefined || r.state === null || r.state === 'completed';
}
