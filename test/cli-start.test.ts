import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../src/cli/main.js';
import { processIo } from '../src/cli/process-io.js';
import { cli } from './helpers/capture.js';

describe('commands load lazily, by name', () => {
  it.each(COMMAND_MODULES.map((m) => [m.names.join(', '), m] as const))(
    'the module of %s registers exactly those commands',
    async (_names, m) => {
      const program = new Command('gitpoms');
      (await m.load())(program, processIo(), () => {});
      expect(program.commands.map((c) => c.name()).sort()).toEqual([...m.names].sort());
    },
  );

  it('help still lists every command, and an unknown one is refused', async () => {
    const help = await cli(['--help']);
    for (const name of COMMAND_MODULES.flatMap((m) => m.names)) {
      // The completion scripts' own entry point is hidden.
      if (name.startsWith('_')) expect(help.stdout).not.toContain(name);
      else expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    const typo = await cli(['valdate']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown command 'valdate'.*Did you mean validate\?/s);
  });
});
