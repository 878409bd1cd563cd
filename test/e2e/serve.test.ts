import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { cli } from '../helpers/capture.js';
import { waitForOutput } from '../helpers/output.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { gitopsFixture, writeGitopsRepo } from '../helpers/gitops-repo.js';
import { localJobsEnded, spawnServe } from '../helpers/serve-process.js';

/**
 * `gitpoms serve` as a service manager runs it: a child process following a git remote
 * given as a URL (so only the webhook, not a file watch, can wake it), stopped by SIGTERM.
 */
const SECRET = 'serve-test-secret';
const SOURCE_CONFIG = '  source: { webhookSecret: { fromEnv: GITPOMS_WEBHOOK_SECRET } }\n';

let fx: GitFixture;
let dataDir: string;
let child: ChildProcess;
let out = '';
let base = '';

const waitFor = (re: RegExp) => waitForOutput(() => out, re);

/** `gitpoms serve` on this test's source and data directory. */
const serve = (flags: string[], env: Record<string, string>): ChildProcess =>
  spawnServe(fx, dataDir, flags, env);

function hook(payload: string, secret = SECRET) {
  return fetch(`${base}/hooks/git`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`,
    },
    body: payload,
  });
}

beforeAll(async () => {
  fx = gitopsFixture(['gen']);
  writeGitopsRepo(fx, ['gen'], { configExtra: SOURCE_CONFIG });
  fx.commitAndPush('webhook secret');
  dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-serve-data-'));
  child = serve([], { GITPOMS_WEBHOOK_SECRET: SECRET, DEMO_EVENT_MS: '0' });
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  base = (await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  await waitFor(/^pass 1 at /m);
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await localJobsEnded(dataDir);
  fx.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('gitpoms serve', () => {
  it('a push announced by a signed webhook is applied at once', async () => {
    writeGitopsRepo(fx, ['gen', 'gen2'], { configExtra: SOURCE_CONFIG });
    const head = fx.commitAndPush('add gen2');
    const unsigned = await hook(JSON.stringify({ ref: 'refs/heads/main' }), 'wrong');
    expect(unsigned.status).toBe(401);
    const r = await hook(JSON.stringify({ ref: 'refs/heads/main', after: head }));
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ ok: true, triggered: true });
    await waitFor(new RegExp(`^pass 2 at ${head.slice(0, 12)}: `, 'm'));
    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    const gen2 = (await store.submissions()).filter((x) => x.stage === 'gen2');
    await store.close();
    expect(gen2.map((x) => [x.status, x.revision])).toEqual([['launched', head]]);
    // The refused request started no pass of its own.
    expect(out.match(/^pass \d+ at /gm)).toHaveLength(2);
    const status = (await (await fetch(`${base}/api/status`)).json()) as {
      applied: { revision: string };
      latest: { valid: boolean };
    };
    expect(status.applied.revision).toBe(head);
    expect(status.latest.valid).toBe(true);
    // The plan page says what the new revision changed.
    const planPage = await (await fetch(`${base}/plan`)).text();
    expect(planPage).toContain(`→ ${head.slice(0, 12)}, applied `);
    expect(planPage).toContain('<li>added stage gitops/gen2</li>');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('serves the API and the metrics of what it runs, and takes an action only with a token', async () => {
    const campaigns = (await (await fetch(`${base}/api/campaigns`)).json()) as {
      items: Array<{ name: string; stages: Array<{ name: string; submissions: object }> }>;
    };
    expect(campaigns.items.map((c) => c.name)).toEqual(['gitops']);
    expect(campaigns.items[0]!.stages.map((s) => s.name)).toEqual(['gen', 'gen2']);
    const hold = (token?: string) =>
      fetch(`${base}/api/campaigns/gitops/hold`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ stage: 'gen2', reason: 'dCache outage' }),
      });
    expect((await hold()).status).toBe(401);
    const made = await cli([
      'token',
      'create',
      '--name',
      'shifter-on-call',
      '--role',
      'shifter',
      '--experiment',
      'sbnd',
      '--repo',
      fx.work,
      '--data-dir',
      dataDir,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const passes = out.match(/^pass \d+ at /gm)!.length;
    // An open event stream hears of the action and of the pass it starts.
    const events = await fetch(`${base}/api/events`);
    const reader = events.body!.getReader();
    let heard = '';
    const hear = (async () => {
      const decoder = new TextDecoder();
      while (!/event: pass\n/.test(heard)) {
        const { value, done } = await reader.read();
        if (done) break;
        heard += decoder.decode(value);
      }
    })();
    await vi.waitFor(() => expect(heard).toContain(': gitpoms events'));
    const r = await hold(made.stdout.trim());
    expect(r.status).toBe(201);
    await hear;
    await reader.cancel();
    expect(heard).toMatch(/^event: action\ndata: .*"target":"gitops\/gen2"/m);
    expect(heard).toMatch(
      new RegExp(`^event: pass\ndata: \\{"kind":"pass","pass":${passes + 1},`, 'm'),
    );
    // The action starts a pass, whose plan says the stage is held.
    await waitFor(new RegExp(`^pass ${passes + 1} at `, 'm'));
    const overrides = (await (await fetch(`${base}/api/overrides`)).json()) as {
      items: Array<{ action: string; stage: string; actor: string }>;
    };
    expect(overrides.items).toMatchObject([{ action: 'hold', stage: 'gen2' }]);
    expect(overrides.items[0]!.actor).toMatch(/^shifter-on-call \(token [0-9a-f]{16}\)$/);
    const plan = (await (await fetch(`${base}/api/plan`)).json()) as {
      notes: Array<{ kind: string; stage?: string }>;
    };
    expect(plan.notes).toContainEqual(expect.objectContaining({ kind: 'override', stage: 'gen2' }));

    const metrics = await (await fetch(`${base}/metrics`)).text();
    const families = new Map(
      (parsePrometheusTextFormat(metrics) as Array<{ name: string; metrics: unknown[] }>).map(
        (f) => [f.name, f],
      ),
    );
    expect(families.get('gitpoms_pass_duration_seconds')).toBeDefined();
    const count = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? NaN);
    expect(count(/^gitpoms_pass_duration_seconds_count (\d+)$/m)).toBeGreaterThanOrEqual(3);
    // Only the first pass asked the batch system for its jobs: the push's and the hold's passes
    // each planned their campaign from the jobs as that pass observed them (the interval is an hour).
    expect(
      count(
        /^gitpoms_adapter_request_duration_seconds_count\{backend="local",call="observe"\} (\d+)$/m,
      ),
    ).toBe(1);
    expect(metrics).toMatch(/^gitpoms_revision_valid\{revision="[0-9a-f]{40}"\} 1$/m);
    expect(metrics).toMatch(/^gitpoms_jobs\{campaign="gitops",stage="gen",state="\w+"\} \d+$/m);
    expect(metrics).not.toContain(made.stdout.trim());
  });

  it('beside it, a server that only shows serves the same state, and refuses actions', async () => {
    const viewer = serve(['--no-reconcile'], { GITPOMS_WEBHOOK_SECRET: SECRET });
    let seen = '';
    viewer.stdout!.on('data', (b: Buffer) => (seen += b.toString()));
    viewer.stderr!.on('data', (b: Buffer) => (seen += b.toString()));
    try {
      const at = (await waitForOutput(() => seen, /only shows\): .*listening on (http:\S+)/))[1]!;
      await waitForOutput(() => seen, /^pass 1 at /m);
      const read = async (b: string, url: string) => (await fetch(`${b}${url}`)).json();
      // What the acting one saw at its last pass, and the records it made.
      const brief = (x: unknown) =>
        (x as { items: Array<{ name: string; stages: Array<Record<string, unknown>> }> }).items.map(
          (c) => ({
            name: c.name,
            stages: c.stages.map((st) => [st.name, st.state, st.submissions, st.jobs]),
          }),
        );
      expect(brief(await read(at, '/api/campaigns'))).toEqual(
        brief(await read(base, '/api/campaigns')),
      );
      expect(await read(at, '/api/overrides')).toEqual(await read(base, '/api/overrides'));
      expect(await read(at, '/api/submissions')).toEqual(await read(base, '/api/submissions'));
      const passes = out.match(/^pass \d+ at /gm)!.length;
      const refused = await fetch(`${at}/api/campaigns/gitops/release`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stage: 'gen2', reason: 'x' }),
      });
      expect(refused.status).toBe(405);
      expect(((await refused.json()) as { error: string }).error).toMatch(/only shows/);
      expect((await read(base, '/api/overrides')) as { items: unknown[] }).toMatchObject({
        items: [{ action: 'hold', stage: 'gen2' }],
      });
      expect(out.match(/^pass \d+ at /gm)).toHaveLength(passes);
      expect(await (await fetch(`${at}/`)).text()).toContain('This server only shows');
    } finally {
      const exited = new Promise<number | null>((resolve) => viewer.once('exit', resolve));
      viewer.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    // The reconciler goes on.
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
