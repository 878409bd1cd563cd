import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withTable } from '../bench/readme.mjs';

describe("the README's Performance section", () => {
  it('holds the table of the committed benchmark results, as the suite printed it', () => {
    const readme = readFileSync('README.md', 'utf8');
    const results = JSON.parse(readFileSync('bench/results/latest.json', 'utf8')) as {
      profile: string;
      results: unknown[];
    };
    expect(results.profile).toBe('full');
    expect(withTable(readme, results)).toBe(readme);
  });
});
