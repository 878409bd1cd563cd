import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateTypes } from './generate-types.js';

describe('types.generated.ts', () => {
  it('matches the schemas (run `npm run gen:types` after editing schemas/)', async () => {
    const generated = await generateTypes('schemas');
    expect(readFileSync('src/spec/types.generated.ts', 'utf8')).toBe(generated);
  });
});
