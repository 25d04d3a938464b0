// The registry's read API, same origin (the CSP's connect-src 'self'). Paths are relative so the
// page works under a proxy prefix.

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
    response = await fetch(path, {headers: {Accept: 'application/json'}, cache: 'no-store', signal});
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
