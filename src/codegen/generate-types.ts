import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { compile } from 'json-schema-to-typescript';
import { ALL_SCHEMA_FILES, SCHEMA_FILES } from '../model/schema-files.js';

const standaloneCode = standaloneModule as unknown as typeof standaloneModule.default;

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

/** The options every validator is compiled with: all errors, strict schemas, the data in each error. */
const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true };

const RUNTIME = ['equal', 'ucs2length'] as const;

/**
 * Each kind's validator compiled ahead of time (ajv standalone code), so a command starts
 * without compiling the schemas (about 0.3 s of every start otherwise). The same options
 * as run-time compilation, so the errors are the same objects.
 */
export async function generateValidatorsModule(schemaDir: string): Promise<string> {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  for (const file of ALL_SCHEMA_FILES) ajv.addSchema(await readJson(schemaDir, file));
  const base = 'https://gitpoms.dev/schemas/v1/';
  let code = standaloneCode(ajv, {
    Campaign: `${base}campaign.schema.json`,
    JobType: `${base}jobtype.schema.json`,
    LaunchTemplate: `${base}launchtemplate.schema.json`,
    Service: `${base}service.schema.json`,
    Config: `${base}config.schema.json`,
  }).replace(/^"use strict";/, '');
  for (const r of RUNTIME)
    code = code.split(`require("ajv/dist/runtime/${r}").default`).join(`${r}Runtime.default`);
  if (code.includes('require('))
    throw new Error('ajv standalone code needs a runtime module not imported here');
  return `${BANNER}
// @ts-nocheck
${RUNTIME.map((r) => `import ${r}Import from 'ajv/dist/runtime/${r}.js';`).join('\n')}
// Node gives a CommonJS module's exports as the default import, a bundler its default export.
${RUNTIME.map((r) => `const ${r}Runtime = { default: ${r}Import.default ?? ${r}Import };`).join('\n')}
${code}
`;
}
