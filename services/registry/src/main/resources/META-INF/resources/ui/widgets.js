// Small building blocks shared by the views.
import {el} from './dom.js';
import {age, time, tone} from './format.js';

/** A status as a coloured label; toneOverride (good, bad, live, muted) when the text alone does not say. */
export function badge(status, extraClass, toneOverride) {
  const s = status === undefined || status === null || status === '' ? 'unknown' : String(status);
  const t = ['good', 'bad', 'live', 'muted'].includes(toneOverride) ? toneOverride : tone(s);
  return el('span', {class: `badge tone-${t}${extraClass ? ' ' + extraClass : ''}`, 'data-status': s}, s);
}

/** A table with a header row; rows are arrays of cells or <tr> nodes. */
export function table(headers, rows, attrs) {
  return el('table', attrs ?? {},
    el('thead', {}, el('tr', {}, headers.map(h => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, rows.map(r => r instanceof Node ? r : el('tr', {}, r.map(c => el('td', {}, c))))));
}

/** A definition list from [label, value] pairs; pairs whose value is empty are left out. */
export function facts(pairs, attrs) {
  return el('dl', {class: 'facts', ...(attrs ?? {})}, pairs
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

export function when(iso) {
  return iso ? el('time', {datetime: String(iso), title: String(iso)}, el('span', {class: 'ts'}, time(iso)),
    el('span', {class: 'muted age'}, ' ' + age(iso))) : '';
}

export function code(text, attrs) {
  return el('code', attrs ?? {}, text ?? '');
}

export function note(kind, ...children) {
  return el('p', {class: 'note note-' + kind}, ...children);
}

/** A failed load, in words the operator can act on. */
export function failure(e) {
  return note('bad', e && e.message ? e.message : String(e));
}
