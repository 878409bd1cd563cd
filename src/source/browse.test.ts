import { describe, expect, it } from 'vitest';
import { browseLink, locationOf } from './browse.js';

describe('links from a diagnostic to the forge', () => {
  it('reads the file and line a diagnostic begins with', () => {
    expect(
      locationOf(
        'campaigns/demo.yaml:3:11: error metadata: "metadata" is missing the required field "name" [schema-required]',
      ),
    ).toEqual({ file: 'campaigns/demo.yaml', line: 3 });
    expect(locationOf('the secret scan could not read a file')).toBeUndefined();
  });

  it('puts the revision, the path under source.path and the line into the template', () => {
    const gh = 'https://github.com/sbnd/production/blob/{revision}/{path}#L{line}';
    expect(browseLink(gh, undefined, 'abc123', { file: 'campaigns/a b.yaml', line: 12 })).toBe(
      'https://github.com/sbnd/production/blob/abc123/campaigns/a%20b.yaml#L12',
    );
    expect(browseLink(gh, '/sbnd/', 'abc123', { file: 'campaigns/x#1.yaml', line: 1 })).toBe(
      'https://github.com/sbnd/production/blob/abc123/sbnd/campaigns/x%231.yaml#L1',
    );
  });
});
