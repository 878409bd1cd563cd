import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  generateSchemasModule,
  generateTypes,
  generateValidatorsModule,
} from './generate-types.js';
import { generateReference } from './reference.js';

describe('types.generated.ts', () => {
  it('matches the schemas (run `npm run gen:types` after editing schemas/)', async () => {
    const generated = await generateTypes('schemas');
    expect(readFileSync('src/model/types.generated.ts', 'utf8')).toBe(generated);
  });
});

describe('schemas.generated.ts', () => {
  it('holds the schemas as they are in schemas/ (run `npm run gen:types`)', async () => {
    const generated = await generateSchemasModule('schemas');
    expect(readFileSync('src/model/schemas.generated.ts', 'utf8')).toBe(generated);
  });
});

describe('validators.generated.ts', () => {
  it('is the schemas compiled as they are in schemas/ (run `npm run gen:types`)', async () => {
    const generated = await generateValidatorsModule('schemas');
    expect(readFileSync('src/desired/validators.generated.ts', 'utf8')).toBe(generated);
  });
});

describe('docs/reference.md', () => {
  it('is the YAML reference of the schemas as they are in schemas/ (run `npm run gen:types`)', async () => {
    const generated = await generateReference('schemas');
    expect(readFileSync('docs/reference.md', 'utf8')).toBe(generated);
    // Every field of every kind, the nested ones too.
    for (const field of [
      'spec.stages[].dependsOn[].filePatterns',
      'spec.recoveries[].type',
      'spec.source.browseUrl',
    ])
      expect(generated).toContain(`\`${field}\``);
  });
});
