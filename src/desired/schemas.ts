import type { ErrorObject, ValidateFunction } from 'ajv';
import { SCHEMAS } from '../model/schemas.generated.js';
import type { SchemaFile } from '../model/schema-files.js';
import * as compiled from './validators.generated.js';

export const KINDS = ['Campaign', 'JobType', 'LaunchTemplate', 'Service', 'Config'] as const;
export type Kind = (typeof KINDS)[number];

const KIND_FILE: Record<Kind, SchemaFile> = {
  Campaign: 'campaign.schema.json',
  JobType: 'jobtype.schema.json',
  LaunchTemplate: 'launchtemplate.schema.json',
  Service: 'service.schema.json',
  Config: 'config.schema.json',
};

export const SCHEMA_BASE = 'https://gitpoms.dev/schemas/v1/';

/** A schema as schemas/ holds it (built into the code by `npm run gen:types`). */
export function readSchema(file: SchemaFile): Record<string, unknown> {
  return SCHEMAS[file];
}

/**
 * The `pattern` a schema holds at `pointer` (a JSON pointer into the file, e.g.
 * `/$defs/name`), as the validators read it: a check made elsewhere cannot drift from it.
 */
export function schemaPattern(file: SchemaFile, pointer: string): RegExp {
  let node: unknown = SCHEMAS[file];
  for (const part of pointer.split('/').slice(1))
    node = (node as Record<string, unknown> | undefined)?.[
      part.replace(/~1/g, '/').replace(/~0/g, '~')
    ];
  const pattern = (node as { pattern?: unknown } | undefined)?.pattern;
  if (typeof pattern !== 'string') throw new Error(`${file}${pointer} holds no pattern`);
  return new RegExp(pattern, 'u');
}

/** The validators compiled ahead of time from the schemas (npm run gen:types; a test keeps them true). */
const VALIDATORS = compiled as unknown as Record<Kind, ValidateFunction>;

export function validateKind(kind: Kind, value: unknown): ErrorObject[] {
  const fn = VALIDATORS[kind];
  return fn(value) ? [] : [...(fn.errors ?? [])];
}

export function schemaFileOf(kind: Kind): SchemaFile {
  return KIND_FILE[kind];
}
