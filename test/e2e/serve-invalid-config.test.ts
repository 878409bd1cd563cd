import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { createToken } from '../../src/engine/tokens.js';
import type { GitFixture } from '../helpers/git-fixture.js';
import { gitopsFixture, writeGitopsRepo } from '../helpers/gitops-repo.js';
import { localJobsEnded, spawnServe } from '../helpers/serve-process.js';
import { waitForOutput } from '../helpers/output.js';

/**
 * `gitpoms serve` restarted on a revision that does not validate: what that revision's
 * gitpoms.yaml says of access must never be what the server does.
 */
const TOKEN_READS = '  server: { readAccess: token }\n';
const OPEN_AND_PROXY = `  server:
    readAccess: open
    trustedProxy: { addresses: ['127.0.0.1'], users: { mallory: { role: admin } } }
`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function setUp(): { fx: GitFixture; dataDir: string } {
  const fx = gitopsFixture(['gen']);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-serve-invalid-'));
  cleanups.push(async () => {
    await localJobsEnded(dataDir);
    fx.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { fx, dataDir };
}

async function serve(fx: GitFixture, dataDir: string) {
  let out = '';
  const child = spawnServe(fx, dataDir, [], { DEMO_EVENT_MS: '0' });
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  cleanups.push(stop);
  const waitFor = (re: RegExp) => waitForOutput(() => out, re, 30_000);
  const base = (await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  return { base, waitFor, stop, out: () => out };
}

/** A revision that fails validation (a stage with a field no schema knows) and opens access. */
function pushInvalidOpening(fx: GitFixture): string {
  writeGitopsRepo(fx, ['gen'], { configExtra: OPEN_AND_PROXY });
  fx.write(
    'campaigns/broken.yaml',
    'apiVersion: gitpoms/v1\nkind: Campaign\nmetadata: { name: broken, experiment: sbnd }\nspec: { stages: [{ name: x, colour: red }] }\n',
  );
  return fx.commitAndPush('open it all up, and break a campaign');
}

const anonymous = (base: string, url: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${url}`, { headers }).then((r) => r.status);

describe('serve on a revision that does not validate', () => {
  it("keeps the applied revision's access: reads need a token, the new proxy user is nobody", async () => {
    const { fx, dataDir } = setUp();
    writeGitopsRepo(fx, ['gen'], { configExtra: TOKEN_READS });
    const good = fx.commitAndPush('reads behind tokens');
    const first = await serve(fx, dataDir);
    await first.waitFor(new RegExp(`^pass 1 at ${good.slice(0, 12)}`, 'm'));
    expect(await anonymous(first.base, '/api/campaigns')).toBe(401);
    await first.stop();

    const bad = pushInvalidOpening(fx);
    const again = await serve(fx, dataDir);
    await again.waitFor(new RegExp(`revision ${bad.slice(0, 12)} does not validate`));
    await again.waitFor(new RegExp(`^pass 1 at ${good.slice(0, 12)}`, 'm'));
    expect(await anonymous(again.base, '/api/campaigns')).toBe(401);
    expect(await anonymous(again.base, '/api/campaigns', { 'x-shib-userid': 'mallory' })).toBe(401);
    expect(await anonymous(again.base, '/api/audit', { 'x-shib-userid': 'mallory' })).toBe(401);
  });

  it('on a first start with no valid revision, reads need a token and actions are refused, and it says why', async () => {
    const { fx, dataDir } = setUp();
    pushInvalidOpening(fx);
    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'));
    const admin = (
      await createToken(
        store,
        { name: 'ops', role: 'admin', experiments: [], createdBy: 't' },
        new Date(),
      )
    ).text;
    await store.close();
    const s = await serve(fx, dataDir);
    await s.waitFor(
      /no valid revision to act on yet: reads need a token and actions are refused until one is applied/,
    );
    expect(await anonymous(s.base, '/api/campaigns')).toBe(401);
    expect(await anonymous(s.base, '/api/campaigns', { 'x-shib-userid': 'mallory' })).toBe(401);
    const hold = await fetch(`${s.base}/api/campaigns/gitops/hold`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'x' }),
    });
    expect(hold.status).toBe(503);
  });
});
