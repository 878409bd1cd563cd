import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { ALL_SCHEMA_FILES, SCHEMA_FILES } from '../model/schema-files.js';

const BANNER = `/* Generated from schemas/*.schema.json by \`npm run gen:types\`. Do not edit. */`;

async function readJson(schemaDir: string, file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(schemaDir, file), 'utf8')) as Record<string, unknown>;
}

/** Compiles every kind's schema into one TypeScript module (one declaration per type). */
export async function generateTypes(schemaDir: string): Promise<string> {
  const properties: Record<string, unknown> = {};
  for (const file of SCHEMA_FILES) {
    const schema = (await readJson(schemaDir, file)) as { title: string };
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

/**
 * The schemas as a module, so the desired-state layer validates without reading files and
 * the schemas travel inside the build.
 */
export async function generateSchemasModule(schemaDir: string): Promise<string> {
  const entries: string[] = [];
  for (const file of ALL_SCHEMA_FILES)
    entries.push(`  ${JSON.stringify(file)}: ${JSON.stringify(await readJson(schemaDir, file))},`);
  return `${BANNER}
import type { SchemaFile } from './schema-files.js';

export const SCHEMAS: Record<SchemaFile, Record<string, unknown>> = {
${entries.join('\n')}
};
`;
}
