import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyObserved, exampleDesired } from '../../test/helpers/fixtures.js';
import { plan } from '../plan/plan.js';
import type { DesiredState, Observed, SubmissionRecord } from '../model/index.js';
import { freshMemory, Notifier, passEvents, type NotifyEvent } from './notify.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const C = 'sbnd-mcc-test-1';

function genOnly(edit?: (d: DesiredState) => void): DesiredState {
  const d = structuredClone(exampleDesired());
  d.campaigns = d.campaigns.filter((c) => c.name === C);
  d.campaigns[0]!.stages = d.campaigns[0]!.stages.filter((s) => s.name === 'gen');
  edit?.(d);
  return d;
}
const rec = (slice: string, status: SubmissionRecord['status']): SubmissionRecord => ({
  key: `${C}/gen/${slice}#1`,
  campaign: C,
  stage: 'gen',
  slice,
  attempt: 1,
  launchedAt: '2026-11-25T10:00:00Z',
  status,
});
const running: Observed = emptyObserved({
  jobs: [{ id: '1.0', submission: `${C}/gen/mc-2#1`, state: 'running' }],
});

function events(
  memory: ReturnType<typeof freshMemory>,
  d: DesiredState,
  records: SubmissionRecord[],
  observed: Observed,
) {
  const p = plan(d, observed, records, NOW);
  return passEvents(memory, d, p, [], records, 'abc123').map((e) => `${e.kind} ${e.message}`);
}

describe('notification events', () => {
  it('stage and campaign complete fire once, on the transition, not for what was complete at start', () => {
    const memory = freshMemory();
    const d = genOnly();
    const done = [rec('mc-1', 'located'), rec('mc-2', 'located')];
    // Already complete when the reconciler starts: not news.
    expect(events(memory, d, done, emptyObserved())).toEqual([]);
    const m2 = freshMemory();
    expect(events(m2, d, [rec('mc-1', 'located'), rec('mc-2', 'launched')], running)).toEqual([]);
    expect(events(m2, d, done, emptyObserved())).toEqual([
      `stage-complete stage ${C}/gen is complete`,
      `campaign-complete campaign ${C} is complete`,
    ]);
    expect(events(m2, d, done, emptyObserved())).toEqual([]);
  });

  it('a closed gate fires when it closes, again only after it opened', () => {
    const memory = freshMemory();
    const held = genOnly((d) => (d.defaults.launches = 'held'));
    const first = events(memory, held, [], emptyObserved());
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^gate-closed .*job launches are held globally/);
    expect(events(memory, held, [], emptyObserved())).toEqual([]);
    events(memory, genOnly(), [], emptyObserved());
    expect(events(memory, held, [], emptyObserved())).toHaveLength(1);
  });

  it('submission located and failed come from the marks that succeeded', () => {
    const d = genOnly();
    const p = plan(d, emptyObserved(), [], NOW);
    const mark = (kind: 'mark-located' | 'mark-failed', ok: boolean) => ({
      action: { kind, campaign: C, stage: 'gen', key: `${C}/gen/mc-1#1`, reason: 'why' },
      ok,
    });
    const ev = passEvents(
      freshMemory(),
      d,
      p,
      [mark('mark-located', true), mark('mark-failed', true), mark('mark-located', false)],
      [],
      'abc123',
    );
    expect(ev.map((e) => [e.kind, e.key, e.revision])).toEqual([
      ['submission-located', `${C}/gen/mc-1#1`, 'abc123'],
      ['submission-failed', `${C}/gen/mc-1#1`, 'abc123'],
    ]);
  });
});

describe('notification delivery', () => {
  let srv: Server;
  let url: string;
  const got: Array<{ path: string; body: unknown }> = [];
  beforeAll(async () => {
    srv = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        got.push({ path: req.url ?? '', body: JSON.parse(b) });
        res.statusCode = req.url === '/refuse' ? 500 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(() => srv.close());

  const event: NotifyEvent = {
    kind: 'stage-complete',
    at: NOW.toISOString(),
    campaign: C,
    stage: 'gen',
    revision: '0123456789abcdef',
    message: `stage ${C}/gen is complete`,
  };

  it('posts generic JSON and Slack-compatible bodies to the targets that want the event', async () => {
    got.length = 0;
    const n = new Notifier(
      [
        { url: `${url}/json` },
        { url: { fromEnv: 'SLACK_URL' }, format: 'slack' },
        { url: `${url}/failures-only`, events: ['submission-failed'] },
      ],
      { SLACK_URL: `${url}/slack` },
      pino({ level: 'silent' }),
    );
    await n.send([event]);
    expect(got.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/json', body: { source: 'gitpoms', ...event } },
      {
        path: '/slack',
        body: {
          text: `gitpoms stage-complete: stage ${C}/gen is complete (revision 0123456789ab)`,
        },
      },
    ]);
  });

  it('a target that refuses or does not answer is logged, never thrown', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    const n = new Notifier(
      [
        { url: `${url}/refuse` },
        { url: 'http://127.0.0.1:1/services/T000/SECRETPATH', timeoutSeconds: 1 },
      ],
      {},
      log,
    );
    await expect(n.send([event])).resolves.toBeUndefined();
    expect(lines.join('')).toContain('notification refused');
    expect(lines.join('')).toContain('notification not delivered');
    expect(lines.join('')).not.toContain('SECRETPATH');
  });

  it('a URL given by reference that is not set is a clear error naming the reference', () => {
    expect(
      () => new Notifier([{ url: { fromEnv: 'SLACK_URL' } }], {}, pino({ level: 'silent' })),
    ).toThrow('notifications[0].url: environment variable SLACK_URL is not set');
  });
});
