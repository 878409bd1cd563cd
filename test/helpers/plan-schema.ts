import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { planJson } from '../../src/cli/render-plan.js';
import type { Plan } from '../../src/plan/types.js';

const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(
  JSON.parse(
    readFileSync(new URL('../../schemas/plan.schema.json', import.meta.url), 'utf8'),
  ) as object,
);

/** What the published plan schema says is wrong with a JSON plan; [] when it is valid. */
export function planSchemaErrors(json: unknown): string[] {
  return validate(json)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** A plan as `reconcile --dry-run --format json` prints it, checked against the schema. */
export function checkedPlan<P extends Plan>(p: P): P {
  const errors = planSchemaErrors(JSON.parse(planJson(p, { revision: undefined, source: '.' })));
  if (errors.length)
    throw new Error(`the plan does not match schemas/plan.schema.json: ${errors.join('; ')}`);
  return p;
}
