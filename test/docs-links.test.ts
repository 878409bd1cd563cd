import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every relative link of the README and docs/ names a file that is there. */
describe('the documentation', () => {
  const pages = [
    'README.md',
    ...readdirSync('docs')
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];

  it('links only to files that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const file = target!.split('#')[0]!;
        if (!existsSync(path.join(path.dirname(page), decodeURIComponent(file))))
          broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('is reached from the README', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const page of pages.filter((p) => p !== 'README.md' && p !== 'docs/extending.md'))
      expect(readme, page).toContain(`](${page}`);
  });
});
