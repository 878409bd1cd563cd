import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportScript, remoteCommand, shellQuote, templateEnvironment } from './launch-host.js';

describe('launch host command lines', () => {
  it.each(['plain', 'a b', "it's", 'c;echo INJECTED', '$HOME', '`id`', '', 'x\ny', '*'])(
    'a shell gives back %j exactly',
    (word) => {
      expect(
        execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' }),
      ).toBe(word);
    },
  );

  it('puts setup first, then the files it reads (exported by the shell), then the launch, every word quoted', () => {
    expect(
      remoteCommand(['/opt/submit.sh', 'a b'], {
        cwd: '/data/checkout',
        fromFile: { TOKEN: '/run/secret token' },
        setup: [
          ['source', '/cvmfs/setup.sh'],
          ['setup', 'dunetpc', 'v06', '-q', 'e14:prof'],
        ],
      }),
    ).toBe(
      "cd /data/checkout && source /cvmfs/setup.sh && setup dunetpc v06 -q e14:prof && export TOKEN=\"$(cat '/run/secret token')\" && env /opt/submit.sh 'a b'",
    );
    expect(() => remoteCommand(['/bin/true'], { fromFile: { 'X;id': '/f' } })).toThrow(
      'cannot be an environment variable',
    );
  });

  it('hands the environment over as shell code that a shell reads back exactly', () => {
    const env = { TOKEN: "s3cr3t 'quoted' $HOME `id`\nline", EMPTY: '' };
    const out = execFileSync(
      '/bin/sh',
      ['-c', 'eval "$(cat)" && printf "%s|%s" "$TOKEN" "$EMPTY"'],
      {
        input: exportScript(env),
        encoding: 'utf8',
      },
    );
    expect(out).toBe(`${env.TOKEN}|`);
    expect(() => exportScript({ 'A;rm -rf /': 'x' })).toThrow('cannot be an environment variable');
  });

  it('a template variable from the reconciler that is not set is a clear error', () => {
    expect(() =>
      templateEnvironment(
        { name: 'lt', experiment: 'dune', environment: { TOKEN: { fromEnv: 'DUNE_TOKEN' } } },
        {},
      ),
    ).toThrow("launch template lt: TOKEN comes from the reconciler's DUNE_TOKEN, which is not set");
  });
});
