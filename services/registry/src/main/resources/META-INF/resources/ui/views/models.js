// Active models (what may be served) with the stages of their promoted attempt and the latest
// conformance evaluation of each. Evaluations name their model by name or id.
import {getJson, items, query} from '../api.js';
import {el, link, seg} from '../dom.js';
import {bytes, percent, shortDigest} from '../format.js';
import {badge, code, failure, note, table, when} from '../widgets.js';
import {loadEvaluations} from './evaluations.js';

const PAGE = 100;
/** Evaluations joined to models: the API's largest page; beyond it the page says what it left out. */
const EVALUATIONS = 200;

export function modelsView() {
  return {
    title: 'Models',
    head: () => el('h1', {}, 'Models'),
    load: async signal => {
      const page = await getJson('v1/models' + query({limit: PAGE}), signal);
      let evaluations;
      try {
        evaluations = await loadEvaluations(signal, EVALUATIONS, 0);
      } catch (e) {
        if (e.name === 'AbortError') {
          throw e;
        }
        evaluations = {available: false, error: e};
      }
      const list = items(page);
      const node = el('div', {},
        evaluations.error ? failure(evaluations.error) : null,
        evaluations.available && evaluations.total > evaluations.items.length
          ? note('warn', `Only the first ${evaluations.items.length} of ${evaluations.total} evaluations are matched to models here.`)
          : null,
        typeof page.total === 'number' && page.total > list.length
          ? note('muted', `The ${list.length} newest of ${page.total} active models.`) : null,
        list.length === 0 ? note('muted', 'No active models.')
          : table(['Name', 'SHA-256', 'Size', 'Promoted', 'Policy', 'Stages', 'Latest evaluation'],
            list.map(m => row(m, evaluations)), {class: 'models', 'data-total': page.total ?? list.length}));
      return {node, pollMs: 0};
    },
  };
}

function row(m, evaluations) {
  return el('tr', {'data-id': m.id},
    el('td', {class: 'name'}, el('span', {class: 'model-name'}, m.name || m.filename || m.id),
      el('div', {class: 'muted small'}, m.filename ?? ''),
      el('div', {class: 'small'}, link('#/submissions/' + seg(m.submissionId), 'submission'))),
    el('td', {}, code(shortDigest(m.sha256), {title: m.sha256 ?? ''})),
    el('td', {}, bytes(m.size)),
    el('td', {}, when(m.promotedAt)),
    el('td', {}, m.policyVersion || el('span', {class: 'muted'}, 'not stated')),
    el('td', {}, el('ul', {class: 'stage-summary'}, (m.stages ?? []).map(s => el('li', {},
      s.stage ?? '', ' ', badge(s.status), s.findings ? ` ${s.findings} finding(s)` : '')))),
    el('td', {class: 'evaluation'}, latest(m, evaluations)));
}

function latest(m, evaluations) {
  if (!evaluations.available) {
    return evaluations.forbidden
      ? el('span', {class: 'muted', 'data-state': 'forbidden'}, 'evaluations not readable with this role')
      : el('span', {class: 'muted', 'data-state': 'unavailable'}, 'evaluations API not available');
  }
  const mine = evaluations.items.filter(e => e && (e.model === m.name || e.model === m.id));
  if (mine.length === 0) {
    return el('span', {class: 'muted', 'data-state': 'none'}, 'no evaluation');
  }
  return el('ul', {class: 'model-evaluations'}, mine.map(e => el('li', {'data-evaluation': e.name ?? ''},
    link('#/evaluations/' + seg(e.name ?? ''), e.name ?? ''), ' ', badge(e.phase, 'phase'),
    e.lastResult ? [' ', lastRun(e.lastResult)] : ' no run yet',
    e.modelHeld === true ? el('div', {class: 'held small'}, 'held from serving until it passes again') : null)));
}

function lastRun(r) {
  // a queued or failed run reports a rate of 0 that was never measured
  if (r.state && r.state !== 'completed') {
    return el('span', {class: 'muted'}, 'last run ', r.state, r.error ? ': ' + r.error : '');
  }
  return ['ASR ', percent(r.attackSuccessRate) || 'n/a', ' ', when(r.finishedAt)];
}
