import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer arrows are ESLint rules (eslint.config.js): a wrong-way import fails `npm run lint`.
const eslint = new ESLint();

async function importErrors(file: string, spec: string): Promise<string[]> {
  const [result] = await eslint.lintText(
    `import type { X } from '${spec}';\nexport type Y = X;\n`,
    {
      filePath: file,
    },
  );
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer arrows', () => {
  it.each([
    ['src/model/job.ts', '../plan/types.js', 'model layer imports nothing'],
    ['src/model/job.ts', 'yaml', 'model layer imports nothing'],
    ['src/plan/steps.ts', 'node:fs', 'pure core does no I/O'],
    ['src/plan/steps.ts', '../adapters/batch/types.js', 'planner'],
    ['src/plan/steps.ts', '../engine/deps.js', 'planner'],
    ['src/desired/rules/fife.ts', 'node:path', 'pure core does no I/O'],
    ['src/desired/rules/fife.ts', '../plan/types.js', 'desired-state layer'],
    ['src/fife/launch.ts', '../engine/deps.js', 'desired-state layer'],
    ['src/adapters/batch/slurm/parse.ts', '../../../plan/types.js', 'adapter'],
    ['src/adapters/store/types.ts', '../../engine/deps.js', 'adapter'],
    ['src/engine/apply.ts', '../cli/io.js', 'engine'],
    ['src/engine/apply.ts', '../server/index.js', 'engine'],
  ])('%s may not import %s', async (file, spec, says) => {
    const errors = await importErrors(file, spec);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(says);
  });

  it.each([
    ['src/model/index.ts', './job.js'],
    ['src/plan/plan.ts', '../model/index.js'],
    ['src/plan/plan.ts', '../spec/desired.js'],
    ['src/adapters/batch/types.ts', '../../model/index.js'],
    ['src/engine/apply.ts', '../plan/types.js'],
    ['src/engine/apply.ts', '../adapters/batch/types.js'],
    ['src/cli/main.ts', '../engine/deps.js'],
  ])('%s may import %s', async (file, spec) => {
    expect(await importErrors(file, spec)).toEqual([]);
  });

  it.each([
    ['src/engine/loop.ts', 1],
    ['src/adapters/batch/local/index.ts', 1],
    ['src/bin/wrap.ts', 0],
    ['src/cli/main.ts', 0],
  ])('process.exit in %s: %i error(s)', async (file, n) => {
    const [result] = await eslint.lintText('process.exit(1);\n', { filePath: file });
    const exits = result!.messages.filter((m) => m.ruleId === 'no-restricted-properties');
    expect(exits).toHaveLength(n);
  });
});
