// One submission: its record, outcome and report summary, every stage of the current attempt with
// its findings (evidence shown as text), earlier attempts, the status history and the audit
// entries about it. Polled every second until the submission is final.
import {download, getJson, query} from '../api.js';
import {el, link, seg} from '../dom.js';
import {bytes, duration, FINAL, time} from '../format.js';
import {stageStrip} from '../stages.js';
import {badge, code, facts, failure, note, table, when} from '../widgets.js';
import {LIVE_POLL_MS} from './submissions.js';

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

export function submissionView(params, id) {
  return {
    title: 'Submission ' + id,
    head: () => el('p', {class: 'crumbs'}, link('#/submissions', '← Submissions')),
    load: signal => load(id, signal),
  };
}

async function load(id, signal) {
  const path = 'v1/submissions/' + seg(id);
  const d = await getJson(path, signal);
  // the report adds the outcome, the summary and the audit entries; the page stands without it
  let report = null;
  let reportError = null;
  try {
    report = await getJson(path + '/report' + query({format: 'json'}), signal);
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    reportError = e;
  }
  const final = FINAL.has(d.status);
  const node = el('article', {class: 'submission', 'data-id': d.id, 'data-status': d.status},
    el('h1', {}, el('span', {class: 'subject-name'}, d.name || d.id), ' ', badge(d.status, 'submission-status')),
    facts([
      ['Id', code(d.id)], ['Kind', d.kind], ['Attempt', String(d.attempt)], ['File', d.filename],
      ['Size', bytes(d.size)], ['SHA-256', code(d.sha256)], ['Source', d.sourceUrl ? code(d.sourceUrl) : ''],
      ['Pinned SHA-256', d.expectedSha256 ? code(d.expectedSha256) : ''],
      ['Signature', d.hasSignature ? 'supplied' : 'none'], ['Precheck', d.precheck],
      ['Created', when(d.createdAt)], ['Updated', when(d.updatedAt)],
    ]),
    downloads(path, d.attempt),
    reportError ? failure(reportError) : outcome(report, final),
    el('h2', {}, 'Stages, attempt ' + d.attempt),
    stageStrip(d),
    stageSections((d.stages ?? []).filter(s => s.attempt === d.attempt), d),
    older(d),
    el('h2', {}, 'Status history'),
    table(['Attempt', 'Status', 'Reason', 'Actor', 'At'], (d.history ?? []).map(h =>
      [String(h.attempt), badge(h.status), h.reason ?? '', h.actor ?? '', when(h.at)]), {class: 'history'}),
    report ? audit(report) : null);
  return {node, pollMs: final ? 0 : LIVE_POLL_MS, live: !final};
}

// The links name the API path (copyable for curl with a token), but a click fetches the report with
// the page's token and saves it (api.js download): a plain link would answer 401.
function downloads(path, attempt) {
  const a = (format, label) => {
    const href = path + '/report' + query({format, attempt});
    const node = el('a', {href, class: 'report-link', 'data-format': format}, label);
    node.addEventListener('click', event => {
      event.preventDefault();
      node.dataset.state = 'loading';
      download(href, 'airlock-report-' + format + '.json').then(name => {
        node.dataset.state = 'saved';
        node.title = 'saved as ' + name;
      }, e => {
        node.dataset.state = 'failed';
        node.title = e.message;
      });
    });
    return node;
  };
  return el('p', {class: 'downloads'}, 'Report: ', a('json', 'JSON'), ' · ', a('sarif', 'SARIF 2.1.0'), ' · ',
    a('cyclonedx', 'CycloneDX 1.5'));
}

function outcome(report, final) {
  const o = report?.outcome ?? {};
  const summary = report?.summary ?? {};
  const counts = summary.bySeverity ?? {};
  const notRun = Array.isArray(summary.notRun) ? summary.notRun : [];
  return el('section', {class: 'outcome'},
    el('h2', {}, final ? 'Outcome' : 'In progress'),
    facts([
      ['Status', badge(o.status)], ['Reason', o.reason ? el('span', {class: 'outcome-reason'}, o.reason) : ''],
      ['Decided by', o.actor], ['At', o.at ? when(o.at) : ''],
      ['Findings', el('span', {class: 'severity-counts'}, String(summary.findings ?? 0), ' ',
        SEVERITIES.filter(s => counts[s] > 0).map(s => el('span', {class: 'sev sev-' + s}, `${s} ${counts[s]}`)))],
    ]),
    notRun.length === 0 ? null : el('div', {class: 'not-run'},
      note('warn', 'Checks that did not run (never counted as passed):'),
      table(['Stage', 'Status', 'Reason'], notRun.map(n => [n.stage ?? '', badge(n.status), n.reason ?? '']))));
}

function stageSections(stages, d) {
  if (stages.length === 0) {
    return note('muted', FINAL.has(d.status) ? 'No stage was recorded for this attempt.' : 'No stage recorded yet.');
  }
  return stages.map(s => el('section', {class: 'stage-detail', 'data-stage': s.stage},
    el('h3', {}, s.stage, ' ', badge(s.status), ' ', el('span', {class: 'muted small'},
      `${duration(s.durationMs)} · ${s.service ?? ''} · ${time(s.recordedAt)}`)),
    details(s.details),
    findings(s.findings, d.evidenceWithheld === true)));
}

function details(map) {
  const entries = map && typeof map === 'object' ? Object.entries(map) : [];
  return entries.length === 0 ? null
    : facts(entries.map(([k, v]) => [k, code(typeof v === 'string' ? v : JSON.stringify(v))]), {class: 'facts stage-facts'});
}

// a submitter's reads leave evidence out (airlock.precheck.show-evidence): say so, never show a blank
function findings(list, evidenceWithheld) {
  if (!Array.isArray(list) || list.length === 0) {
    return note('muted', 'No findings.');
  }
  return table(['Severity', 'Rule', 'Location', 'Message', 'Evidence'], list.map(f => el('tr', {class: 'finding'},
    el('td', {}, el('span', {class: 'sev sev-' + (SEVERITIES.includes(f.severity) ? f.severity : 'other')}, f.severity ?? '')),
    el('td', {class: 'rule'}, code(f.rule)),
    el('td', {class: 'location'}, f.location ?? ''),
    el('td', {class: 'message'}, f.message ?? ''),
    el('td', {}, f.evidence ? el('pre', {class: 'evidence'}, f.evidence)
      : evidenceWithheld ? el('span', {class: 'muted withheld'}, 'withheld') : ''))), {class: 'findings'});
}

function older(d) {
  const previous = (d.stages ?? []).filter(s => s.attempt !== d.attempt);
  if (previous.length === 0) {
    return null;
  }
  const attempts = [...new Set(previous.map(s => s.attempt))].sort((a, b) => b - a);
  return attempts.map(a => el('details', {class: 'older-attempt'},
    el('summary', {}, `Attempt ${a} (earlier)`),
    // an earlier attempt is over whatever the submission does now: its missing stages are "not recorded"
    stageStrip({...d, attempt: a, status: 'failed', stages: previous}),
    stageSections(previous.filter(s => s.attempt === a), {...d, status: 'failed'})));
}

function audit(report) {
  const entries = Array.isArray(report.audit) ? report.audit : [];
  if (entries.length === 0) {
    return null;
  }
  return [el('h2', {}, 'Audit entries'), table(['Seq', 'At', 'Actor', 'Action', 'Entry hash'], entries.map(e =>
    [String(e.seq), when(e.at), e.actor ?? '', e.action ?? '', code(String(e.entryHash ?? '').slice(0, 16) + '…')]))];
}
