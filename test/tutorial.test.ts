import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForOutput } from './helpers/output.js';

/**
 * docs/tutorial.md, run: its shell blocks in order, in one shell, and each `# file: PATH` YAML
 * block written where it says, in an empty directory. Two lines are stood in for, each exactly
 * once: installing gitpoms (this checkout, linked as npm would install it: there is no
 * registry here), and serve (on a free port, in the background, then its page is read).
 */
const CHECKOUT = path.resolve('.');
const INSTALL = 'npm install --save-exact gitpoms';
const SERVE = 'npx gitpoms serve --port 8080';

function script(markdown: string): string {
  const out: string[] = ['set -euo pipefail'];
  const blocks = [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)];
  let install = 0;
  let serve = 0;
  for (const [, lang, body] of blocks) {
    if (lang === 'sh') {
      for (const line of body!.split('\n')) {
        if (line === INSTALL) {
          install++;
          // As npm installs it: the package's files copied, its dependencies beside them.
          const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
          out.push('mkdir -p node_modules/gitpoms node_modules/.bin');
          for (const f of ['package.json', ...pkg.files])
            out.push(
              `mkdir -p "$(dirname node_modules/gitpoms/${f})" && cp -r ${CHECKOUT}/${f} node_modules/gitpoms/${f}`,
            );
          out.push(
            `ln -s ${CHECKOUT}/node_modules node_modules/gitpoms/node_modules`,
            'ln -s ../gitpoms/bin/gitpoms.js node_modules/.bin/gitpoms',
          );
        } else if (line === SERVE) {
          serve++;
          // A process group of its own: npx runs gitpoms as its child, and both must stop.
          out.push('setsid npx gitpoms serve --port 0 > "$TUTORIAL_OUT/serve.log" 2>&1 &');
          out.push('echo $! > "$TUTORIAL_OUT/serve.pid"');
        } else out.push(line);
      }
    } else if (lang === 'yaml') {
      const file = /^# file: (\S+)\n/.exec(body!)?.[1];
      if (!file) continue;
      out.push(
        `mkdir -p "$(dirname ${file})"`,
        `cat > ${file} <<'TUTORIAL_EOF'`,
        body!.trimEnd(),
        'TUTORIAL_EOF',
      );
    }
  }
  if (install !== 1 || serve !== 1)
    throw new Error(`docs/tutorial.md must say "${INSTALL}" and "${SERVE}" once each`);
  return out.join('\n');
}

const work = mkdtempSync(path.join(tmpdir(), 'gitpoms-tutorial-'));
afterAll(async () => {
  let group = 0;
  try {
    group = Number(readFileSync(path.join(work, 'serve.pid'), 'utf8'));
    process.kill(-group, 'SIGTERM');
  } catch {
    // serve never started, or has stopped
  }
  const alive = () => {
    try {
      process.kill(-group, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; group && alive() && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
  rmSync(work, { recursive: true, force: true });
});

describe('docs/tutorial.md', () => {
  it('runs as written: an empty repository to a located SBND campaign and its dashboard', async () => {
    const text = script(readFileSync('docs/tutorial.md', 'utf8'));
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      TUTORIAL_OUT: work,
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    const r = spawnSync('bash', ['-c', text], {
      cwd: work,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    // validate, then the plan of both stages, then the run to the end, then status.
    expect(r.stdout).toMatch(/^ok {3}campaigns\/sbnd\/tutorial\.yaml: Campaign sbnd-tutorial$/m);
    expect(r.stdout).toMatch(/^sbnd-tutorial\n {2}\+ launch +gen\/mc-1#1$/m);
    // status: every submission of both stages located (located/all).
    expect(r.stdout).toMatch(/^sbnd-tutorial\/gen\s+1\/1\s/m);
    expect(r.stdout).toMatch(/^sbnd-tutorial\/g4\s+1\/1\s/m);
    // The dashboard shows the campaign serve reconciles.
    const base = (
      await waitForOutput(() => {
        try {
          return readFileSync(path.join(work, 'serve.log'), 'utf8');
        } catch {
          return '';
        }
      }, /listening on (http:\/\/127\.0\.0\.1:\d+)/)
    )[1]!;
    const page = await fetch(`${base}/campaigns/sbnd-tutorial`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<tr data-stage="gen">');
    expect(html).toContain('<tr data-stage="g4">');
  }, 300_000);
});
