// The dashboard's only script: live updates from the event stream, operator actions sent to
// the API with this tab's token, and the token form. The pages read fine without it.
const TOKEN = 'gitpoms.token';
const COOKIE = 'gitpoms_token';

/** This tab's token, else the one signed in in another tab of this browser (its cookie). */
const token = () =>
  sessionStorage.getItem(TOKEN) ??
  decodeURIComponent(
    document.cookie
      .split('; ')
      .find((c) => c.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1) ?? '',
  );

function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN, value);
    document.cookie = `${COOKIE}=${encodeURIComponent(value)}; Path=/; SameSite=Strict`;
  } else {
    sessionStorage.removeItem(TOKEN);
    document.cookie = `${COOKIE}=; Path=/; SameSite=Strict; Max-Age=0`;
  }
}

async function whoami(out) {
  const headers = token() ? { authorization: `Bearer ${token()}` } : {};
  const r = await fetch('/api/whoami', { headers });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) out.textContent = body.error ?? `HTTP ${r.status}`;
  else if (!body.authenticated) out.textContent = 'No token: you can read; actions need a token.';
  else
    out.textContent = `Signed in as ${body.name}: ${body.role}${body.role === 'admin' ? '' : ` of ${body.experiments.join(', ')}`}.`;
}

function tokenForm() {
  const form = document.getElementById('token-form');
  if (!form) return;
  const out = document.getElementById('whoami');
  void whoami(out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setToken(new FormData(form).get('token').trim());
    form.reset();
    void whoami(out);
  });
  document.getElementById('sign-out').addEventListener('click', () => {
    setToken('');
    void whoami(out);
  });
}

/** An action form: its fields as a JSON body, with the token; the API's answer shown beside it. */
function actionForms() {
  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
    ev.preventDefault();
    const out = form.querySelector('output');
    const body = {};
    for (const [k, v] of new FormData(form)) {
      if (k === 'confirm') body.confirm = true;
      else if (v !== '') body[k] = v;
    }
    out.textContent = '…';
    out.className = '';
    // X-Gitpoms-Action: what a page of another site cannot send (CORS), for SSO proxies.
    const headers = { 'content-type': 'application/json', 'x-gitpoms-action': '1' };
    if (token()) headers.authorization = `Bearer ${token()}`;
    try {
      const r = await fetch(form.dataset.api, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      const answer = await r.json().catch(() => ({}));
      if (r.ok) {
        out.textContent = 'done; the next pass acts on it';
        out.className = 'ok';
        form.reset();
      } else {
        out.textContent = `${r.status === 401 ? 'sign in (Token): ' : ''}${answer.error ?? `HTTP ${r.status}`}`;
        out.className = 'bad';
      }
    } catch (e) {
      out.textContent = String(e);
      out.className = 'bad';
    }
  });
}

/** Each region marked data-live is replaced by the same region of the page fetched again. */
async function refresh() {
  const r = await fetch(location.href, { headers: { accept: 'text/html' } });
  if (!r.ok) return;
  const next = new DOMParser().parseFromString(await r.text(), 'text/html');
  for (const el of document.querySelectorAll('[data-live][id]')) {
    const fresh = next.getElementById(el.id);
    if (fresh && fresh.innerHTML !== el.innerHTML) el.innerHTML = fresh.innerHTML;
    // A job that ended is not read again.
    if (fresh && !fresh.dataset.poll) delete el.dataset.poll;
  }
  document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? 0) + 1);
}

/** As the server's components.tsx says it: "just now", "3 min ago", "2 h 5 min ago", "3 d ago". */
function ago(ms) {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** The data's age, kept current while the page stays open, on the server's clock. */
function ages() {
  const tick = () => {
    const p = document.getElementById('as-of');
    const el = p?.querySelector('.ago');
    if (!el || !p.dataset.at) return;
    // When this copy of the element arrived, against the server's time it was made at.
    p.dataset.loaded ??= String(Date.now());
    const skew = Date.parse(p.dataset.now) - Number(p.dataset.loaded);
    el.textContent = ago(Date.now() + skew - Date.parse(p.dataset.at));
  };
  tick();
  setInterval(tick, 15_000);
}

/** How long the event stream may be down before the page says it may be out of date. */
const LOST_MS = 20_000;

function live() {
  const status = document.getElementById('live');
  if (!('EventSource' in window) || !status || document.body.dataset.still) return;
  const lost = document.getElementById('lost');
  let lostAt;
  setInterval(() => {
    if (!lost || lostAt === undefined || Date.now() - lostAt < LOST_MS) return;
    lost.textContent = `No answer from the server since ${new Date(lostAt).toLocaleTimeString()}: this page may be out of date.`;
    lost.hidden = false;
  }, 2000);
  const campaign = document.body.dataset.liveCampaign;
  let timer;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 200);
  };
  const es = new EventSource('/api/events');
  // Closed before the page goes, so leaving it is no aborted request.
  window.addEventListener('pagehide', () => es.close());
  es.addEventListener('open', () => {
    status.textContent = 'live';
    status.className = 'live on';
    lostAt = undefined;
    if (lost) lost.hidden = true;
  });
  es.addEventListener('error', () => {
    status.textContent = 'reconnecting';
    status.className = 'live off';
    lostAt ??= Date.now();
  });
  es.addEventListener('pass', soon);
  es.addEventListener('pass-failed', soon);
  es.addEventListener('action', (ev) => {
    const e = JSON.parse(ev.data);
    if (!campaign || e.campaign === campaign || e.campaign === '*') soon();
  });
}

/** A region marked data-poll (the logs of a job that may still write) is read again that often, while in view. */
function polls() {
  const el = document.querySelector('[data-poll]');
  if (!el) return;
  const timer = setInterval(() => {
    if (!document.querySelector('[data-poll]')) clearInterval(timer);
    else if (document.visibilityState === 'visible') void refresh();
  }, Number(el.dataset.poll));
}

tokenForm();
actionForms();
ages();
live();
polls();
