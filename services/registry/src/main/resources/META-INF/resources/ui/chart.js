// Attack success rate over time as an inline SVG, drawn here (no library, nothing fetched). Runs
// that did not complete (queued, error), or without a numeric rate in [0, 1] or a usable time, are
// left out and counted, never drawn as zero.
import {el, svg} from './dom.js';
import {isRate, percent, time} from './format.js';

const W = 640;
const H = 220;
const PAD = {left: 48, right: 16, top: 14, bottom: 34};

/**
 * @param history run summaries, newest first (as the API gives them)
 * @param threshold optional policy line (0..1) to draw
 */
export function asrChart(history, threshold) {
  const runs = Array.isArray(history) ? history : [];
  const points = [];
  let skipped = 0;
  for (const r of runs) {
    const t = new Date(r?.finishedAt || r?.startedAt || '').getTime();
    // a queued or failed run carries a rate of 0 that was never measured
    const completed = r?.state === undefined || r?.state === null || r.state === 'completed';
    if (!completed || !isRate(r?.attackSuccessRate) || Number.isNaN(t)) {
      skipped++;
      continue;
    }
    points.push({t, rate: r.attackSuccessRate, run: r});
  }
  points.sort((a, b) => a.t - b.t);
  const figure = el('figure', {class: 'chart'});
  if (points.length === 0) {
    figure.append(el('p', {class: 'muted'}, 'No run with an attack success rate to chart yet.'));
    return figure;
  }
  const maxRate = Math.max(...points.map(p => p.rate), isRate(threshold) ? threshold : 0);
  // the y axis ends at the next 10% above the highest value (at least 10%), so small rates stay readable
  const yMax = Math.min(1, Math.max(0.1, Math.ceil(maxRate * 10 + 1e-9) / 10));
  const t0 = points[0].t;
  const t1 = points[points.length - 1].t;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (p, i) => PAD.left + (t1 > t0 ? (p.t - t0) / (t1 - t0) : (points.length > 1 ? i / (points.length - 1) : 0.5)) * plotW;
  const y = rate => PAD.top + (1 - rate / yMax) * plotH;

  const root = svg('svg', {
    class: 'asr-chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `Attack success rate over ${points.length} run(s), latest ${percent(points[points.length - 1].rate)}`,
  });
  for (const f of [0, 0.5, 1]) {
    const v = yMax * f;
    root.append(svg('line', {class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v)}),
      svg('text', {class: 'axis', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end'}, percent(v)));
  }
  if (isRate(threshold) && threshold <= yMax) {
    root.append(svg('line', {class: 'threshold', x1: PAD.left, x2: W - PAD.right, y1: y(threshold), y2: y(threshold)},
      svg('title', {}, 'policy limit ' + percent(threshold))));
  }
  root.append(svg('text', {class: 'axis', x: PAD.left, y: H - 10, 'text-anchor': 'start'}, time(new Date(t0).toISOString())));
  if (t1 > t0) {
    root.append(svg('text', {class: 'axis', x: W - PAD.right, y: H - 10, 'text-anchor': 'end'}, time(new Date(t1).toISOString())));
  }
  root.append(svg('polyline', {class: 'series', points: points.map((p, i) => `${x(p, i).toFixed(1)},${y(p.rate).toFixed(1)}`).join(' ')}));
  points.forEach((p, i) => {
    const passed = p.run.passed === true ? 'pass' : p.run.passed === false ? 'fail' : 'unknown';
    root.append(svg('circle', {class: 'point point-' + passed, cx: x(p, i).toFixed(1), cy: y(p.rate).toFixed(1), r: 4},
      svg('title', {}, `${String(p.run.runId ?? '')} ${time(new Date(p.t).toISOString())}: ${percent(p.rate)}, ${passed}`)));
  });
  figure.append(root, el('figcaption', {class: 'muted'},
    `Attack success rate per run, oldest to newest (${points.length} plotted`,
    skipped ? `, ${skipped} not completed or without a rate left out` : '', '). Red points failed the policy', isRate(threshold) ? `; the dashed line is its limit, ${percent(threshold)}.` : '.'));
  return figure;
}
