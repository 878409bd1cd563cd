/** Every kind's schema file. */
export const SCHEMA_FILES = [
  'campaign.schema.json',
  'jobtype.schema.json',
  'launchtemplate.schema.json',
  'service.schema.json',
  'config.schema.json',
] as const;

/** With common.schema.json, which holds shared definitions. */
export const ALL_SCHEMA_FILES = ['common.schema.json', ...SCHEMA_FILES] as const;
export type SchemaFile = (typeof ALL_SCHEMA_FILES)[number];
