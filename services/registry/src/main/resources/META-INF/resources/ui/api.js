// The registry's read API, same origin (the CSP's connect-src 'self'). Paths are relative so the
// page works under a proxy prefix.

// The bearer token lives in this module's memory only, never in localStorage, sessionStorage or a
// cookie: it dies with the tab, and nothing persisted can be read back by another script or user.
let token = '';

/** Use this bearer token for every call from now on ('' signs out). */
export function signIn(value) {
  token = String(value ?? '').trim();
}

/** The subject and role the token claims, for display only (the registry verifies it on every call). */
export function claims() {
  try {
    const body = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return {user: String(body.sub ?? ''), role: Array.isArray(body.groups) ? body.groups.join(',') : ''};
  } catch (e) {
    return null;
  }
}

/** A failed call: HTTP status (0 when the registry could not be reached) and its problem details. */
export class ApiError extends Error {
  constructor(status, path, problem, message) {
    super(message ?? describe(status, path, problem));
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
    this.problem = problem;
  }
}

function describe(status, path, problem) {
  const title = problem && typeof problem.title === 'string' ? problem.title : 'HTTP ' + status;
  const detail = problem && typeof problem.detail === 'string' ? ': ' + problem.detail : '';
  return `GET ${path} answered ${status} (${title}${detail})`;
}

export async function getJson(path, signal) {
  let response;
  try {
    const headers = {Accept: 'application/json'};
    if (token) {
      headers.Authorization = 'Bearer ' + token;
    }
    response = await fetch(path, {headers, cache: 'no-store', signal});
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    throw new ApiError(0, path, null, `GET ${path} failed: the registry is unreachable (${e.message})`);
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch (ignored) {
      // not problem+json: the status alone says it
    }
    throw new ApiError(response.status, path, problem);
  }
  return response.json();
}

/**
 * Saves an API file (a report) to disk. A plain link carries no token, so the file is fetched
 * with the Authorization header like every other call, held as a Blob and saved through a
 * short-lived object URL: the token never enters a URL, the history or any storage. Answers the
 * file name saved; a refused call throws ApiError.
 */
export async function download(path, fallbackName) {
  const headers = {};
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }
  let response;
  try {
    response = await fetch(path, {headers, cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, path, null, `GET ${path} failed: the registry is unreachable (${e.message})`);
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch (ignored) {
      // not problem+json: the status alone says it
    }
    throw new ApiError(response.status, path, problem);
  }
  // the server names the file; only a plain name is taken from it
  const named = /filename="([A-Za-z0-9._-]{1,200})"/.exec(response.headers.get('Content-Disposition') ?? '');
  const name = named ? named[1] : fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // the browser has taken the file once click() returned; the Blob is freed a little later
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

/** Query string from the entries whose value is set. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Items of a page ({items: [...]}) or a bare array; anything else is no items. */
export function items(page) {
  if (Array.isArray(page)) {
    return page;
  }
  return page && Array.isArray(page.items) ? page.items : [];
}
