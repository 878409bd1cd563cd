import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/adapters/store/sqlite/index.js';
import { tokenSecret, TokenVerifier } from '../src/engine/tokens.js';
import { cli } from './helpers/capture.js';

describe('gitpoms token', () => {
  it('creates a token shown once, lists it without its secret, and revokes it; each audited', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-token-'));
    const d = ['--data-dir', dataDir, '--actor', 'root'];
    const made = await cli([
      'token',
      'create',
      '--name',
      'alice',
      '--role',
      'shifter',
      '--experiment',
      'sbnd',
      '--expires',
      '30d',
      ...d,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const text = made.stdout.trim();
    expect(text).toMatch(/^gpt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = text.split('_')[1]!;
    expect(made.stderr).toContain(`token ${id} for alice (shifter); it is shown once`);

    const list = await cli(['token', 'list', '--format', 'json', ...d]);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(tokenSecret(text)!);
    const listed = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, name: 'alice', role: 'shifter', experiments: ['sbnd'] });
    expect(Object.keys(listed[0]!)).not.toContain('hash');
    expect((await cli(['token', 'list', ...d])).stdout).toMatch(
      new RegExp(`^${id}\\s+alice\\s+shifter\\s+sbnd\\s`, 'm'),
    );

    // A closed store is read as a copy: open it again to see each change.
    const open = () => new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    const before = open();
    expect((await new TokenVerifier(before).authenticate(text, new Date())).ok).toBe(true);
    await before.close();
    const revoked = await cli(['token', 'revoke', id, ...d]);
    expect(revoked.code).toBe(0);
    const store = open();
    expect(await new TokenVerifier(store).authenticate(text, new Date())).toMatchObject({
      ok: false,
      reason: 'token revoked',
    });
    const again = await cli(['token', 'revoke', id, ...d]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no token ${id} in force`);
    expect((await store.auditLog()).map((a) => [a.actor, a.action, a.target])).toEqual([
      ['root', 'token revoke', id],
      ['root', 'token create', id],
    ]);
    await store.close();
  });

  it('refuses an unknown role, an experiment with no campaign here, and a missing experiment', async () => {
    const d = ['--data-dir', mkdtempSync(path.join(tmpdir(), 'gitpoms-token-'))];
    const make = (...args: string[]) => cli(['token', 'create', '--name', 'x', ...args, ...d]);
    const role = await make('--role', 'superuser', '--experiment', 'sbnd');
    expect(role.code).toBe(1);
    expect(role.stderr).toContain('role superuser: one of viewer, shifter, production, admin');
    const exp = await make('--role', 'viewer', '--experiment', 'minerva');
    expect(exp.code).toBe(1);
    expect(exp.stderr).toContain(
      'no campaign of experiment minerva (experiments here: dune, sbnd)',
    );
    const none = await make('--role', 'viewer');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('a viewer token needs the experiment(s) it holds for');
    expect((await cli(['token', 'list', ...d])).stdout).toBe('no tokens\n');
  });
});
