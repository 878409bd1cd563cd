import { describe, expect, it } from 'vitest';
import { cli } from '../test/helpers/capture.js';
import { redactUrl, urlHasCredential } from './secrets.js';

describe('credentials in repository URLs', () => {
  it.each([
    [
      'https://user:hunter2@forge.example/sbnd/campaigns.git',
      true,
      'https://***@forge.example/sbnd/campaigns.git',
    ],
    ['https://ghp_abcdefghijklmnopqrstuvwxyz@github.com/o/r', true, 'https://***@github.com/o/r'],
    ['ssh://deploy:pw@host/r.git', true, 'ssh://***@host/r.git'],
    ['ssh://git@host/r.git', false, 'ssh://git@host/r.git'],
    ['git@github.com:o/r.git', false, 'git@github.com:o/r.git'],
    ['https://forge.example/o/r', false, 'https://forge.example/o/r'],
    [
      'cannot fetch https://a:b@h/r (branch main)',
      true,
      'cannot fetch https://***@h/r (branch main)',
    ],
  ])('%s', (url, has, shown) => {
    expect(urlHasCredential(url)).toBe(has);
    expect(redactUrl(url)).toBe(shown);
  });

  it('serve refuses a --source that carries one, and never prints it', async () => {
    const r = await cli([
      'serve',
      '--source',
      'https://ops:s3cr3t-pw@forge.example/sbnd.git',
      '--port',
      '0',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      '--source https://***@forge.example/sbnd.git carries a credential in its URL',
    );
    expect(r.stderr).toContain('git credential helper');
    expect(r.stdout + r.stderr).not.toContain('s3cr3t-pw');
  });
});
