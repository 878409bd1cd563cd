/** Every kind's schema file; common.schema.json holds shared definitions. */
export const SCHEMA_FILES = [
  'campaign.schema.json',
  'jobtype.schema.json',
  'launchtemplate.schema.json',
  'service.schema.json',
  'config.schema.json',
] as const;
