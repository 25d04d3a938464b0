// The audit chain: the registry's verdict on it (GET v1/audit/verify) and the newest entries.
import {getJson, items, query} from '../api.js';
import {el, link, seg} from '../dom.js';
import {badge, code, facts, note, table, when} from '../widgets.js';

const NEWEST = 25;

export function auditView() {
  return {
    title: 'Audit chain',
    head: () => el('h1', {}, 'Audit chain'),
    load: async signal => {
      const v = await getJson('v1/audit/verify', signal);
      const after = Math.max(0, (Number(v.headSeq) || 0) - NEWEST);
      const entries = items(await getJson('v1/audit' + query({after, limit: NEWEST}), signal)).reverse();
      const node = el('div', {},
        el('section', {class: 'verify', 'data-ok': v.ok === true ? 'true' : 'false'},
          el('h2', {}, 'Verification ', badge(v.ok === true ? 'ok' : 'broken')),
          v.ok === true ? null : note('bad', `Broken at seq ${v.brokenSeq ?? '?'}: `, v.reason ?? 'no reason given'),
          facts([
            ['Checked', `${v.checked ?? 0} entries from seq ${v.from ?? 1}`], ['Last verified seq', String(v.lastSeq ?? '')],
            ['Head seq', String(v.headSeq ?? '')], ['Head hash', code(v.headHash ?? '')],
            ['Algorithm', `${v.alg ?? ''}${v.keyed ? ' (keyed)' : ' (no key: keep the head hash elsewhere)'}`],
          ])),
        el('h2', {}, `Newest entries`),
        entries.length === 0 ? note('muted', 'The log is empty.')
          : table(['Seq', 'At', 'Actor', 'Action', 'Subject', 'Entry hash'], entries.map(e => [
            String(e.seq), when(e.at), e.actor ?? '', e.action ?? '', subject(e.subject),
            code(String(e.entryHash ?? '').slice(0, 16) + '…', {title: e.entryHash ?? ''})]), {class: 'audit'}));
      return {node, pollMs: 0};
    },
  };
}

function subject(s) {
  const text = String(s ?? '');
  if (text.startsWith('submission/')) {
    return link('#/submissions/' + seg(text.slice('submission/'.length)), text);
  }
  return text;
}
