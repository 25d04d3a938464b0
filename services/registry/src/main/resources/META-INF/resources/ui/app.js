// The registry's operator page: hash routes, one view at a time, each polled while it says so.
import {el} from './dom.js';
import {failure} from './widgets.js';
import {submissionsView} from './views/submissions.js';
import {submissionView} from './views/submission.js';
import {modelsView} from './views/models.js';
import {evaluationsView, evaluationView} from './views/evaluations.js';
import {auditView} from './views/audit.js';
import {claims, signIn} from './api.js';

const ROUTES = [
  [/^\/submissions\/?$/, 'submissions', submissionsView],
  [/^\/submissions\/([^/]+)$/, 'submissions', submissionView],
  [/^\/models\/?$/, 'models', modelsView],
  [/^\/evaluations\/?$/, 'evaluations', evaluationsView],
  [/^\/evaluations\/([^/]+)$/, 'evaluations', evaluationView],
  [/^\/audit\/?$/, 'audit', auditView],
];
const RETRY_MS = 5000;

const main = document.getElementById('view');
const live = document.getElementById('live');

/** The view on screen: loads into its body, schedules its next load, and is stopped by the next route. */
class Running {
  constructor(view) {
    this.view = view;
    this.abort = new AbortController();
    this.timer = null;
    this.stopped = false;
    this.body = el('div', {class: 'view-body', 'aria-busy': 'true'}, el('p', {class: 'muted'}, 'Loading…'));
    this.banner = el('div', {class: 'banner', role: 'alert'});
    main.replaceChildren(this.banner, view.head ? view.head() : '', this.body);
    document.title = view.title + ' · Airlock registry';
  }

  async tick() {
    let next;
    try {
      const {node, pollMs, live: moving} = await this.view.load(this.abort.signal);
      if (this.stopped) {
        return;
      }
      // one swap per load: the new content replaces the old at once
      this.body.replaceChildren(node);
      this.body.setAttribute('aria-busy', 'false');
      this.banner.replaceChildren();
      next = pollMs;
      status(pollMs ? (moving ? `live: refreshing every ${pollMs / 1000} s` : `refreshing every ${pollMs / 1000} s`)
        : 'loaded ' + clock(), pollMs && moving ? 'live' : 'idle');
    } catch (e) {
      if (this.stopped || e.name === 'AbortError') {
        return;
      }
      // keep what is on screen, say why it may be stale, and try again
      if (this.body.getAttribute('aria-busy') === 'true') {
        this.body.replaceChildren(failure(e));
        this.body.setAttribute('aria-busy', 'false');
      } else {
        this.banner.replaceChildren(failure(e));
      }
      next = RETRY_MS;
      status(`refresh failed, retrying in ${RETRY_MS / 1000} s`, 'error');
    }
    if (next && !this.stopped) {
      this.timer = setTimeout(() => this.tick(), next);
    }
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
  }
}

function status(text, state) {
  live.textContent = text;
  live.setAttribute('data-state', state);
}

function clock() {
  return new Date().toISOString().slice(11, 19) + 'Z';
}

let current = null;

function route() {
  current?.stop();
  const hash = location.hash.replace(/^#/, '');
  const [path, search] = (hash || '/submissions').split('?', 2);
  const params = new URLSearchParams(search ?? '');
  for (const [pattern, section, make] of ROUTES) {
    const m = pattern.exec(path);
    if (m) {
      let arg;
      try {
        arg = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
      } catch (e) {
        break;
      }
      highlight(section);
      current = new Running(make(params, arg));
      current.tick();
      return;
    }
  }
  highlight('');
  current = null;
  main.replaceChildren(el('h1', {}, 'Not found'), el('p', {}, 'No view at ', el('code', {}, hash), '. ',
    el('a', {href: '#/submissions'}, 'Submissions')));
  status('', 'idle');
}

function highlight(section) {
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('data-route') === section) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  }
}

// Sign-in: the token goes to api.js's memory and the input is cleared at once.
const form = document.getElementById('signin');
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('token');
  signIn(input.value);
  input.value = '';
  const who = claims();
  document.getElementById('who').textContent = who ? `${who.user} (${who.role})` : '';
  form.setAttribute('data-state', who ? 'signed-in' : 'signed-out');
  route();
});

window.addEventListener('hashchange', route);
route();
