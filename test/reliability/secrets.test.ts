// A secret given by reference reaches the launch that needs it and nothing an operator or a
// monitoring system reads: plant a known value and look for it in every output.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV, editFile } from '../helpers/demo.js';

const PLANTED = 'planted-secret-7f3a9c';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Files under a directory that hold the planted value, with what they are. */
function holding(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = path.join(dir, f);
    if (statSync(p).isFile() && readFileSync(p).includes(PLANTED)) out.push(f);
  }
  return out.sort();
}

describe('a secret by reference', () => {
  it('reaches the launch script, and no log, store, catalog, plan or command output', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'gitpoms-secret-repo-'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-secret-data-'));
    dirs.push(repo, dataDir);
    for (const p of ['campaigns', 'demo', 'gitpoms.yaml', 'schemas'])
      cpSync(p, path.join(repo, p), { recursive: true });
    // The DUNE template gets a token from the reconciler's environment.
    editFile(
      path.join(repo, 'campaigns/dune/protodune.yaml'),
      '  environment:\n',
      '  environment:\n    SAM_TOKEN: { fromEnv: GITPOMS_TEST_TOKEN }\n',
    );
    // Its script proves the value arrived, by its length only.
    editFile(
      path.join(repo, 'campaigns/dune/scripts/mcc9_submit.sh'),
      /\n/,
      '\necho "token of ${#SAM_TOKEN} characters" >&2\n',
    );
    const env = { ...DEMO_ENV, GITPOMS_TEST_TOKEN: PLANTED };
    const campaign = ['--campaign', 'mcc9-protodune-beam-cosmics-p1gev'];
    const common = ['--repo', repo, '--data-dir', dataDir];
    const outputs = [
      await cli(['validate', '--repo', repo], { env }),
      await cli(['reconcile', '--dry-run', '--format', 'json', ...common], { env }),
      await cli(['run', ...campaign, ...common, '--interval', '100', '--timeout', '240'], { env }),
      await cli(['status', ...common], { env }),
      await cli(['jobs', ...common], { env }),
      await cli(['reconcile', '--dry-run', '--format', 'markdown', ...common], { env }),
    ];
    expect(outputs[2]!.code).toBe(0);
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(PLANTED);
    const launchLogs = readdirSync(path.join(dataDir, 'submissions'), {
      recursive: true,
      encoding: 'utf8',
    })
      .filter((f) => f.endsWith('launch.log'))
      .map((f) => readFileSync(path.join(dataDir, 'submissions', f), 'utf8'));
    expect(launchLogs.join('')).toContain(`token of ${PLANTED.length} characters`);
    // Nothing gitpoms keeps holds it: not its log, store, catalog or launch records. (The
    // local executor's jobs are the script's to give an environment; it gives them none.)
    expect(holding(dataDir)).toEqual([]);
    expect(holding(repo)).toEqual([]);
  }, 300_000);
});
