import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { scanSecrets } from './scan-secrets.js';

describe('the secret scan', () => {
  it('finds a literal credential by field, and leaves no profile behind however many files it reads', async () => {
    const files = Array.from({ length: 200 }, (_, i) => ({
      file: `campaigns/c${i}.yaml`,
      text: `kind: Campaign\nspec:\n  note: plain text ${i}\n`,
    }));
    files.push({
      file: 'campaigns/leak.yaml',
      text: 'kind: JobType\nspec:\n  token: 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\n',
    });
    const found = await scanSecrets(files);
    expect(found.map((d) => [d.file, d.line, d.path, d.code])).toEqual([
      ['campaigns/leak.yaml', 3, 'spec.token', 'secret-in-git'],
    ]);
    // secretlint's profiler marks each rule of each file and rescans its marks at every one.
    expect(performance.getEntriesByType('mark').filter((m) => m.name.includes('@core>'))).toEqual(
      [],
    );
  });
});
