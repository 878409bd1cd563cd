// Pieces every page uses. Text from the spec, the store or the batch system is always escaped
// (`safe`); `npm run lint` runs kitajs's xss-scan over these files.
import type { OperatorAction } from '../../model/index.js';
import type { Children } from '@kitajs/html';

export const when = (iso: string | undefined): string =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';

export const href = (path: string, q: Record<string, string | number | undefined> = {}): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
};

export const campaignHref = (c: string): string => `/campaigns/${encodeURIComponent(c)}`;
export const stageHref = (c: string, s: string): string =>
  `${campaignHref(c)}/stages/${encodeURIComponent(s)}`;
export const submissionHref = (key: string): string => href('/submission', { key });
export const jobHref = (key: string, id: string): string => href('/job', { key, id });

/** A state: its colour and always its word, so it reads without colour too. */
export function State({ state }: { state: string }): JSX.Element {
  return (
    <span class={`state st-${state.replace(/[^a-z-]/g, '')}`} safe>
      {state}
    </span>
  );
}

export function Num({ n }: { n: number | string | undefined }): JSX.Element {
  return (
    <td class="num" safe>
      {n === undefined ? '-' : String(n)}
    </td>
  );
}

export function Link({ to, children }: { to: string; children: Children }): JSX.Element {
  return <a href={to}>{children}</a>;
}

/** What every page says of itself: what is wrong, and how old what it shows is. */
export interface PageBanner {
  lines: readonly string[];
  /** When the last pass that observed everything ended (ISO); undefined before one. */
  asOf: string | undefined;
  /** The server's time as the page was made (ISO). */
  now: string;
}

/** "just now", "3 min ago", "2 h 5 min ago", "3 d ago". */
export function ago(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min ago`;
  return `${Math.floor(h / 24)} d ago`;
}

function AsOf({ b }: { b: PageBanner }): JSX.Element {
  if (!b.asOf)
    return (
      <p class="as-of small" id="as-of">
        No pass has observed the batch system yet.
      </p>
    );
  return (
    <p class="as-of small" id="as-of" data-at={b.asOf} data-now={b.now}>
      Data as of{' '}
      <time datetime={b.asOf} safe>
        {when(b.asOf)}
      </time>
      ,{' '}
      <span class="ago" safe>
        {ago(Date.parse(b.now) - Date.parse(b.asOf))}
      </span>
      .
    </p>
  );
}

export function Banner({ lines }: { lines: readonly string[] }): JSX.Element {
  if (!lines.length) return <></>;
  return (
    <div class="banner" role="alert">
      {lines.map((l) => (
        <p safe>{l}</p>
      ))}
    </div>
  );
}

export function Pager(p: {
  path: string;
  query: Record<string, string | number | undefined>;
  offset: number;
  limit: number;
  total: number;
}): JSX.Element {
  const last = Math.min(p.offset + p.limit, p.total);
  return (
    <nav class="pager" aria-label="pages">
      {p.offset > 0 ? (
        <a href={href(p.path, { ...p.query, offset: Math.max(0, p.offset - p.limit) })}>
          ← previous
        </a>
      ) : (
        <span />
      )}
      <span safe>{`${p.total ? p.offset + 1 : 0}–${last} of ${p.total}`}</span>
      {last < p.total ? (
        <a href={href(p.path, { ...p.query, offset: p.offset + p.limit })}>next →</a>
      ) : (
        <span />
      )}
    </nav>
  );
}

export interface Crumb {
  label: string;
  to?: string;
}

export function Layout(p: {
  title: string;
  crumbs?: Crumb[];
  banner?: PageBanner;
  /** The campaign whose events refresh the page (all events when undefined). */
  live?: string;
  /** A page that asks the catalog: never refreshed by events. */
  still?: boolean;
  children: Children;
}): JSX.Element {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${p.title} · gitpoms`}</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href="/static/app.css" />
          <script type="module" src="/static/app.js"></script>
        </head>
        <body data-live-campaign={p.live} data-still={p.still ? 'true' : undefined}>
          <header>
            <a class="brand" href="/">
              gitpoms
            </a>
            <nav aria-label="main">
              <a href="/">Campaigns</a>
              <a href="/plan">Plan</a>
              <a href="/revisions">Revisions</a>
              <a href="/sign-in" id="sign-in">
                Token
              </a>
            </nav>
            <span id="live" class="live" aria-live="polite">
              static
            </span>
          </header>
          <main>
            <div data-live id="banner">
              <Banner lines={p.banner?.lines ?? []} />
              {p.banner ? <AsOf b={p.banner} /> : ''}
            </div>
            <div id="lost" class="banner" role="alert" hidden></div>
            {p.crumbs?.length ? (
              <nav class="crumbs" aria-label="breadcrumb">
                {p.crumbs.map((c) =>
                  c.to ? (
                    <>
                      <a href={c.to} safe>
                        {c.label}
                      </a>
                      {' / '}
                    </>
                  ) : (
                    <span safe>{c.label}</span>
                  ),
                )}
              </nav>
            ) : (
              ''
            )}
            <h1 safe>{p.title}</h1>
            {p.children}
          </main>
        </body>
      </html>
    </>
  );
}

/**
 * Why the reader of a page may not take an operator action there, in people's words; undefined
 * when it may.
 */
export type MayAct = (action: OperatorAction) => string | undefined;

/** The operator action an API route takes: its last segment (/api/launches/hold holds them all). */
function actionOf(url: string): OperatorAction {
  if (url === '/api/launches/hold') return 'hold-launches';
  if (url === '/api/launches/allow') return 'allow-launches';
  return url.slice(url.lastIndexOf('/') + 1) as OperatorAction;
}

/**
 * A form the page script sends to the API with the token of this browser tab. One the reader
 * may not take (`may`) is shown with its button disabled and why.
 */
export function ActionForm(p: {
  action: string;
  label: string;
  stage?: string | undefined;
  fields?: Array<'reason' | 'for' | 'confirm'>;
  danger?: boolean;
  may?: MayAct | undefined;
}): JSX.Element {
  const f = new Set(p.fields ?? ['reason']);
  const why = p.may?.(actionOf(p.action));
  if (why !== undefined)
    return (
      <form class={`action${p.danger ? ' danger' : ''}`} data-api={p.action}>
        <button type="submit" disabled safe>
          {p.label}
        </button>{' '}
        <span class="small why" safe>
          {why}
        </span>
      </form>
    );
  return (
    <form class={`action${p.danger ? ' danger' : ''}`} data-api={p.action}>
      {p.stage !== undefined ? <input type="hidden" name="stage" value={p.stage} /> : ''}
      {f.has('reason') ? (
        <label>
          reason <input name="reason" required />
        </label>
      ) : (
        ''
      )}
      {f.has('for') ? (
        <label>
          for <input name="for" size="5" placeholder="2h" />
        </label>
      ) : (
        ''
      )}
      {f.has('confirm') ? (
        <label>
          <input type="checkbox" name="confirm" value="true" /> confirm
        </label>
      ) : (
        ''
      )}
      <button type="submit" safe>
        {p.label}
      </button>
      <output role="status" />
    </form>
  );
}
