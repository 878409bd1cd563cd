import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BATCH_BACKEND_NAMES, BATCH_BACKENDS } from '../src/adapters/batch/index.js';
import { CATALOG_BACKEND_NAMES } from '../src/adapters/catalog/index.js';
import { STORE_BACKEND_NAMES } from '../src/adapters/store/index.js';
import { readSchema } from '../src/desired/schemas.js';
import { cli } from './helpers/capture.js';

type Json = { properties: Record<string, Json>; enum?: string[] };
const config = readSchema('config.schema.json') as unknown as Json;
const backends = config.properties.spec!.properties.backends!.properties;
const template = readSchema('launchtemplate.schema.json') as unknown as Json;

/** The README's Backends table: family → names. */
function readmeTable(): Map<string, string[]> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Backends'), readme.indexOf('## Batch systems'));
  const rows = new Map<string, string[]>();
  for (const m of section.matchAll(/^\| (batch|catalog|store) \| `([a-z]+)` \|/gm))
    rows.set(m[1]!, [...(rows.get(m[1]!) ?? []), m[2]!]);
  return rows;
}

describe('one registry per backend family', () => {
  it('gitpoms.yaml backends.batch names one or several batch backends of the registry', () => {
    const [one, several] = (backends.batch as unknown as { oneOf: Json[] }).oneOf;
    expect(one!.enum).toEqual(BATCH_BACKEND_NAMES);
    expect((several as unknown as { items: Json }).items.enum).toEqual(BATCH_BACKEND_NAMES);
  });

  it('a launch template names a batch backend of the registry', () => {
    expect(template.properties.spec!.properties.batch!.enum).toEqual(BATCH_BACKEND_NAMES);
  });

  it.each([
    ['catalog', CATALOG_BACKEND_NAMES],
    ['store', STORE_BACKEND_NAMES],
  ])('gitpoms.yaml backends.%s accepts exactly the registry names', (family, names) => {
    expect(backends[family]!.enum).toEqual(names);
  });

  it.each([
    ['batch', BATCH_BACKEND_NAMES],
    ['catalog', CATALOG_BACKEND_NAMES],
    ['store', STORE_BACKEND_NAMES],
  ])("the README's table lists the %s backends of the registry", (family, names) => {
    expect(readmeTable().get(family)).toEqual(names);
  });

  it('gitpoms run --batch offers the registry, and refuses anything else', async () => {
    const help = (await cli(['run', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const n of BATCH_BACKEND_NAMES)
      expect(help).toContain(`${n} (${BATCH_BACKENDS[n].title})`);
    const r = await cli(['run', '--batch', 'pbs']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`use ${BATCH_BACKEND_NAMES.join(', ')}`);
  });
});
