// Inputs at the size of the gauntlet's worst cases, checked for the right answer (their cost
// is measured by npm run bench, not here).
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadSpec, memoryRepo } from '../src/desired/index.js';
import { fsRepo } from '../src/source/fs-repo.js';

const base = fsRepo('test/bad-inputs/base');
const files = Object.fromEntries(base.list('.').map((f) => [f, base.read(f)!]));
const head = files['campaigns/demo.yaml']!.replace(/\n {2}stages:\n[\s\S]*$/, '\n  stages:\n');

/** One campaign of n stages, each depending on the one before. */
function chain(n: number, edit: (i: number) => string = () => ''): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`    - name: s${i}`);
    if (i > 0) lines.push(`      dependsOn: [{ stage: s${i - 1} }]`);
    const extra = edit(i);
    if (extra) lines.push(extra);
  }
  return `${head}${lines.join('\n')}\n`;
}

const load = (yaml: string) =>
  loadSpec(memoryRepo({ ...files, 'campaigns/demo.yaml': yaml })).diagnostics.map(formatDiagnostic);

describe('a campaign of 20,000 stages', () => {
  it('in a cycle: the cycle is reported, shortened, not a stack overflow', () => {
    const diags = load(
      chain(20_000, (i) => (i === 0 ? '      dependsOn: [{ stage: s19999 }]' : '')),
    );
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatch(
      /^campaigns\/demo\.yaml:\d+:\d+: error spec\.stages\[0\]\.name: stages depend on each other in a cycle: demo\/s0 -> demo\/s19999 -> .* … 19991 more … .* -> demo\/s0 .*\[dependency-cycle\]$/,
    );
  });

  it('with one bad field: that field, at its line', () => {
    const diags = load(chain(20_000, (i) => (i === 19_998 ? '      jobType: nope' : '')));
    expect(diags).toEqual([
      'campaigns/demo.yaml:40018:16: error spec.stages[19998].jobType: job type "nope" is not defined for experiment demo [unknown-job-type]',
    ]);
  });

  it('valid: resolved parents first', () => {
    const r = loadSpec(memoryRepo({ ...files, 'campaigns/demo.yaml': chain(20_000) }));
    expect(r.diagnostics).toEqual([]);
    const stages = r.desired!.campaigns[0]!.stages;
    expect(stages).toHaveLength(20_000);
    expect(stages.at(-1)).toMatchObject({ name: 's19999', order: 19_999 });
  });
});
