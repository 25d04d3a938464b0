// A submission's stage progress: the pipeline's stages in order, each with what was recorded for
// the current attempt (status, duration) or where it stands when nothing was (pending while the
// submission is live, "not recorded" once it is final: never shown as passed).
import {el} from './dom.js';
import {duration, FINAL, tone} from './format.js';

/** The scanner's stages in the order they run; models then go to the evaluator. Kernels stop after the scanner. */
const SCANNER = ['source_policy', 'format_gate', 'integrity', 'provenance', 'static_scan'];
const PIPELINE = {model: [...SCANNER, 'behavioral_test'], kernel: SCANNER};

/**
 * Rows {stage, status, durationMs, findings, recorded} for the current attempt: the expected
 * stages in pipeline order, then any other recorded one (precheck first, the rest in seq order).
 */
export function stageRows(detail) {
  const stages = Array.isArray(detail.stages) ? detail.stages : [];
  const current = stages.filter(s => s.attempt === detail.attempt);
  const byName = new Map(current.map(s => [s.stage, s]));
  const expected = PIPELINE[detail.kind] ?? SCANNER;
  const live = !FINAL.has(detail.status);
  const rows = [];
  const precheck = byName.get('precheck');
  if (precheck) {
    rows.push(recorded(precheck));
  }
  for (const name of expected) {
    const s = byName.get(name);
    rows.push(s ? recorded(s) : {stage: name, status: live ? 'pending' : 'not-recorded', recorded: false});
  }
  for (const s of current) {
    if (s.stage !== 'precheck' && !expected.includes(s.stage)) {
      rows.push(recorded(s));
    }
  }
  return rows;
}

function recorded(s) {
  return {
    stage: s.stage, status: s.status, durationMs: s.durationMs,
    findings: Array.isArray(s.findings) ? s.findings.length : 0, recorded: true,
  };
}

/** The progress strip: one chip per stage. */
export function stageStrip(detail) {
  return el('ol', {class: 'stages'}, stageRows(detail).map(r => el('li', {
    class: 'stage tone-' + tone(r.status), 'data-stage': r.stage, 'data-status': r.status,
    title: r.recorded ? `${r.stage}: ${r.status}, ${duration(r.durationMs)}, ${r.findings} finding(s)` : `${r.stage}: ${label(r.status)}`,
  }, el('span', {class: 'stage-name'}, r.stage), ' ',
  el('span', {class: 'stage-status'}, label(r.status)),
  r.recorded ? el('span', {class: 'stage-time'}, ' ' + duration(r.durationMs)) : null)));
}

function label(status) {
  return status === 'not-recorded' ? 'not recorded' : status;
}
