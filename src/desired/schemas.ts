import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SCHEMAS } from '../model/schemas.generated.js';
import { SCHEMA_FILES, type SchemaFile } from '../model/schema-files.js';

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

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

function buildValidators(): Record<Kind, ValidateFunction> {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  addFormats(ajv);
  ajv.addSchema(readSchema('common.schema.json'));
  for (const file of SCHEMA_FILES) ajv.addSchema(readSchema(file));
  const out = {} as Record<Kind, ValidateFunction>;
  for (const kind of KINDS) {
    const fn = ajv.getSchema(SCHEMA_BASE + KIND_FILE[kind]);
    if (!fn) throw new Error(`schema for ${kind} did not compile`);
    out[kind] = fn;
  }
  return out;
}

let validators: Record<Kind, ValidateFunction> | undefined;

export function validateKind(kind: Kind, value: unknown): ErrorObject[] {
  validators ??= buildValidators();
  const fn = validators[kind];
  return fn(value) ? [] : [...(fn.errors ?? [])];
}

export function schemaFileOf(kind: Kind): SchemaFile {
  return KIND_FILE[kind];
}
