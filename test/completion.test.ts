import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../src/cli/main.js';
import { EXAMPLES } from '../src/cli/examples.js';
import { cli } from './helpers/capture.js';

const complete = async (...words: string[]) =>
  (await cli(['__complete', '--', ...words])).stdout.split('\n').filter(Boolean);

describe('shell completion', () => {
  it('completes commands, subcommands, options, campaigns and stages from the repository', async () => {
    expect(await complete('ho')).toEqual(['hold']);
    expect(await complete('token', '')).toEqual(['create', 'list', 'revoke']);
    expect(await complete('hold', 'sb')).toEqual(['sbnd-mcc-test-1', 'sbnd-reco2']);
    expect(await complete('hold', 'sbnd-mcc-test-1', '')).toEqual([
      'gen',
      'g4',
      'detsim',
      'reco',
      'anatree',
    ]);
    expect(await complete('hold', 'sbnd-mcc-test-1', '--f')).toEqual(['--for']);
    expect(await complete('jobs', '--campaign', 'sbnd-r')).toEqual(['sbnd-reco2']);
    // After an option's value, the next positional is still the campaign.
    expect(await complete('status', '--data-dir', 'x', 'sbnd-m')).toEqual(['sbnd-mcc-test-1']);
    expect(await complete('split-reset', 'sbnd-reco2/r')).toEqual(['sbnd-reco2/reco2']);
    expect(await complete('schema', 'C')).toEqual(['Campaign', 'Config']);
    // A path or a value it knows nothing of: the shell offers file names.
    expect(await complete('import-poms', '')).toEqual([]);
    expect(await complete('__compl')).toEqual([]);
  });

  it('is offered by bash through the script gitpoms completion bash prints', async () => {
    const script = (await cli(['completion', 'bash'])).stdout;
    const bin = path.resolve('bin/gitpoms.js');
    const run = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `gitpoms() { "${process.execPath}" "${bin}" "$@"; }
${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_gitpoms; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean);
    expect(run(['gitpoms', 'kill', 'sbnd-mcc-test-1', 'de'])).toEqual(['detsim']);
    expect(run(['gitpoms', 'launch-n'])).toEqual(['launch-now']);
    // Nothing known: file names, as for any command.
    expect(run(['gitpoms', 'import-poms', 'READ'])).toEqual(['README.md']);
    for (const shell of ['zsh', 'fish'])
      expect((await cli(['completion', shell])).stdout).toContain('gitpoms __complete --');
    expect((await cli(['completion', 'tcsh'])).stderr).toContain(
      'no completion for tcsh; shells: bash, zsh, fish',
    );
  });
});

describe('--help', () => {
  it('ends with an example for every command', async () => {
    const program = new Command('gitpoms');
    for (const m of COMMAND_MODULES)
      (await m.load())(
        program,
        { stdout() {}, stderr() {}, cwd: '.', env: {}, now: () => new Date() },
        () => {},
      );
    const paths: string[] = [];
    const walk = (c: Command, prefix: string) => {
      for (const s of c.commands) {
        if (s.name().startsWith('_')) continue;
        paths.push(`${prefix}${s.name()}`);
        walk(s, `${prefix}${s.name()} `);
      }
    };
    walk(program, '');
    expect(paths.filter((p) => !EXAMPLES[p])).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((p) => !paths.includes(p))).toEqual([]);
    for (const p of paths) {
      const r = await cli([...p.split(' '), '--help']);
      expect(r.stdout, p).toMatch(
        new RegExp(`\\nExamples?:\\n  ${EXAMPLES[p]![0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    }
  });
});
