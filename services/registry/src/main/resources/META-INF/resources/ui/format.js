// Plain-text formatting of API values. Everything returns a string; nothing here builds nodes.

export const FINAL = new Set(['promoted', 'admitted', 'rejected', 'hacked', 'failed']);

/** 2026-03-01 12:34:56Z from an ISO-8601 instant; the input itself when it does not parse. */
export function time(iso) {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return String(iso);
  }
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** "12 s ago", "3 min ago", ... */
export function age(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) {
    return '';
  }
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) {
    return s + ' s ago';
  }
  if (s < 3600) {
    return Math.floor(s / 60) + ' min ago';
  }
  if (s < 86400) {
    return Math.floor(s / 3600) + ' h ago';
  }
  return Math.floor(s / 86400) + ' d ago';
}

export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    return '';
  }
  if (ms < 1) {
    return (ms * 1000).toFixed(0) + ' µs';
  }
  if (ms < 1000) {
    return (ms < 10 ? ms.toFixed(1) : ms.toFixed(0)) + ' ms';
  }
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
}

export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    return '';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return (u === 0 ? String(v) : v.toFixed(1)) + ' ' + units[u];
}

/** An attack success rate (0..1) as a percentage; '' when it is not a number in range. */
export function percent(rate) {
  return isRate(rate) ? (rate * 100).toFixed(1) + '%' : '';
}

export function isRate(v) {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
}

/** sha256:0123456789ab… (12 hex) for tables; the full digest goes in the title. */
export function shortDigest(d) {
  if (!d) {
    return '';
  }
  const s = String(d);
  const hex = s.startsWith('sha256:') ? s.slice(7) : s;
  return (s.startsWith('sha256:') ? 'sha256:' : '') + (hex.length > 12 ? hex.slice(0, 12) + '…' : hex);
}

/** A CSS class suffix from a closed set; anything unknown is "other", so data never names a class. */
export function tone(status) {
  const s = String(status ?? '').toLowerCase();
  if (['promoted', 'admitted', 'pass', 'ready', 'ok', 'true', 'active'].includes(s)) {
    return 'good';
  }
  if (['rejected', 'hacked', 'failed', 'fail', 'error', 'degraded', 'broken', 'false', 'deleted'].includes(s)) {
    return 'bad';
  }
  if (['skipped', 'not_run', 'pending', 'superseded', 'unknown', 'not-recorded'].includes(s)) {
    return 'muted';
  }
  if (['received', 'queued', 'scanning', 'evaluating', 'running', 'progressing'].includes(s)) {
    return 'live';
  }
  return 'other';
}
