import { describe, expect, it } from 'vitest';
import { schemaPattern } from './schemas.js';

describe('schemaPattern', () => {
  it('gives the pattern the schema holds, as the validators read it, and refuses a place that holds none', () => {
    const name = schemaPattern('common.schema.json', '/$defs/name');
    expect(name.test('sbnd-mcc-test-1')).toBe(true);
    expect(name.test('-leading')).toBe(false);
    expect(name.test('a'.repeat(129))).toBe(false);
    const host = schemaPattern('launchtemplate.schema.json', '/properties/spec/properties/host');
    expect(host.test('sbndgpvm01.fnal.gov')).toBe(true);
    expect(host.test('host; rm -rf /')).toBe(false);
    expect(() => schemaPattern('common.schema.json', '/$defs/metadata')).toThrow(
      /common\.schema\.json\/\$defs\/metadata holds no pattern/,
    );
  });
});
