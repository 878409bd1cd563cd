import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { SCHEMA_FILES } from './schema-files.js';

const BANNER = `/* Generated from schemas/*.schema.json by \`npm run gen:types\`. Do not edit. */`;

/** Compiles every kind's schema into one TypeScript module (one declaration per type). */
export async function generateTypes(schemaDir: string): Promise<string> {
  const properties: Record<string, unknown> = {};
  for (const file of SCHEMA_FILES) {
    const schema = JSON.parse(await readFile(path.join(schemaDir, file), 'utf8')) as {
      title: string;
    };
    properties[schema.title] = { $ref: file };
  }
  const root = {
    title: 'GitpomsSchemas',
    type: 'object',
    additionalProperties: false,
    properties,
  };
  return compile(root as never, 'GitpomsSchemas', {
    cwd: schemaDir,
    bannerComment: BANNER,
    declareExternallyReferenced: true,
    additionalProperties: false,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 100, trailingComma: 'all' },
  });
}
