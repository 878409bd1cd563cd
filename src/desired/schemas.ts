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

/** The validators compiled ahead of time from the schemas (npm run gen:types; a test keeps them true). */
const VALIDATORS = compiled as unknown as Record<Kind, ValidateFunction>;

export function validateKind(kind: Kind, value: unknown): ErrorObject[] {
  const fn = VALIDATORS[kind];
  return fn(value) ? [] : [...(fn.errors ?? [])];
}

export function schemaFileOf(kind: Kind): SchemaFile {
  return KIND_FILE[kind];
}
