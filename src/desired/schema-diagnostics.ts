import type { ErrorObject } from 'ajv';
import { didYouMean, type Diagnostic } from './diagnostic.js';
import { diagnosticAt, type FieldPath, type SourceDoc } from './yaml-source.js';
import { pushTo } from '../group.js';
import { holdsCredential } from './rules/secrets.js';

type Schema = Record<string, unknown>;

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** A value as a message may quote it: never a credential. */
function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return holdsCredential(text) ? 'a credential, not repeated here' : text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return holdsCredential(value)
      ? 'a string that holds a credential (not repeated here)'
      : `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function shapeOf(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    return keys.length
      ? `a mapping with ${keys.map((k) => `"${k}"`).join(', ')}`
      : 'an empty mapping';
  }
  return describe(value);
}

function typeName(t: unknown): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  };
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => names[String(x)] ?? String(x)).join(' or ');
}

function where(path: FieldPath): string {
  const last = path[path.length - 1];
  return last === undefined
    ? 'the document'
    : typeof last === 'number'
      ? `item ${last}`
      : `"${last}"`;
}

/** Short description of what one oneOf branch accepts. */
function branchSummary(branch: Schema): string {
  if (branch.type === 'object' && Array.isArray(branch.required) && branch.required.length > 0) {
    return `a mapping with "${branch.required.join('", "')}"`;
  }
  if (branch.type) return typeName(branch.type);
  if (branch.$ref) return String(branch.$ref).replace(/.*\//, '');
  return 'a value of another shape';
}

function messageFor(err: ErrorObject, doc: SourceDoc): Diagnostic | undefined {
  const path = pathOf(err.instancePath);
  const parent = (err.parentSchema ?? {}) as Schema;
  const desc = typeof parent.description === 'string' ? parent.description : undefined;
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required': {
      const field = String(p.missingProperty);
      return diagnosticAt(
        doc,
        path,
        'schema-required',
        `${where(path)} is missing the required field "${field}"`,
      );
    }
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const known = Object.keys((parent.properties as Schema | undefined) ?? {});
      const guess = didYouMean(field, known);
      return diagnosticAt(
        doc,
        [...path, field],
        'schema-unknown-field',
        `unknown field "${field}"`,
        {
          key: true,
          hint: guess
            ? `did you mean "${guess}"?`
            : known.length > 0
              ? `allowed fields: ${known.join(', ')}`
              : undefined,
        },
      );
    }
    case 'type':
      return diagnosticAt(
        doc,
        path,
        'schema-type',
        `must be ${typeName(p.type)}, not ${describe(err.data)}`,
      );
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const guess =
        typeof err.data === 'string'
          ? didYouMean(
              err.data,
              (p.allowedValues as unknown[]).filter((v) => typeof v === 'string') as string[],
            )
          : undefined;
      return diagnosticAt(
        doc,
        path,
        'schema-enum',
        `${describe(err.data)} is not allowed here; use one of ${allowed.join(', ')}`,
        { hint: guess ? `did you mean "${guess}"?` : undefined },
      );
    }
    case 'const':
      return diagnosticAt(
        doc,
        path,
        'schema-const',
        `must be ${JSON.stringify(p.allowedValue)}, not ${describe(err.data)}`,
      );
    case 'pattern':
      return diagnosticAt(
        doc,
        path,
        'schema-pattern',
        `${describe(err.data)} does not have the required form${desc ? `: ${desc}` : ''}`,
      );
    case 'propertyNames': {
      const name = String(p.propertyName);
      const isOverride = /\boverrides$/.test(String(path[path.length - 1] ?? ''));
      return diagnosticAt(
        doc,
        [...path, name],
        'schema-key',
        isOverride
          ? `override "${name}" must be written section.key (as -Osection.key=value), e.g. global.fclfile`
          : `"${name}" is not a valid key here`,
        { key: true },
      );
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return diagnosticAt(
        doc,
        path,
        'schema-range',
        `${describe(err.data)} is out of range: must be ${String(p.comparison)} ${String(p.limit)}`,
      );
    case 'minItems':
      return diagnosticAt(
        doc,
        path,
        'schema-min-items',
        `must list at least ${String(p.limit)} item(s)`,
      );
    case 'minLength':
      return diagnosticAt(doc, path, 'schema-empty', `must not be empty`);
    case 'maxLength':
      return diagnosticAt(
        doc,
        path,
        'schema-too-long',
        `must be at most ${String(p.limit)} characters`,
      );
    case 'uniqueItems':
      return diagnosticAt(
        doc,
        [...path, Number(p.j)],
        'schema-duplicate-item',
        `item ${String(p.j)} repeats item ${String(p.i)} (${shown((err.data as unknown[])[Number(p.j)])})`,
      );
    case 'oneOf': {
      const branches = (err.schema as Schema[]).map(branchSummary);
      return diagnosticAt(
        doc,
        path,
        'schema-shape',
        `must be ${branches.slice(0, -1).join(', ')} or ${branches[branches.length - 1]}, not ${shapeOf(err.data)}`,
        { hint: desc },
      );
    }
    case 'propertyNames-inner':
      return undefined;
    default:
      return diagnosticAt(doc, path, `schema-${err.keyword}`, err.message ?? 'is not valid');
  }
}

/**
 * Turns ajv errors into sentences. Errors inside a failed oneOf are kept only for the
 * one branch the value clearly meant (its type matched); otherwise one summary is given.
 */
export function schemaDiagnostics(errors: readonly ErrorObject[], doc: SourceDoc): Diagnostic[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const dropped = new Set<ErrorObject>();
  for (const o of oneOfs) {
    const inside = errors.filter((e) => e !== o && e.schemaPath.startsWith(`${o.schemaPath}/`));
    const byBranch = new Map<number, ErrorObject[]>();
    for (const e of inside) {
      const n = Number(e.schemaPath.slice(o.schemaPath.length + 1).split('/')[0]);
      pushTo(byBranch, n, e);
    }
    const plausible = [...byBranch.entries()].filter(
      ([, errs]) =>
        !errs.some(
          (e) =>
            e.instancePath === o.instancePath && (e.keyword === 'type' || e.keyword === 'required'),
        ),
    );
    if (plausible.length === 1) {
      dropped.add(o);
      for (const [n, errs] of byBranch)
        if (n !== plausible[0]![0]) errs.forEach((e) => dropped.add(e));
    } else {
      inside.forEach((e) => dropped.add(e));
    }
  }
  // A propertyNames failure also reports the inner pattern error; the outer one says it better.
  for (const e of errors) {
    if (e.keyword === 'pattern' && e.propertyName !== undefined) dropped.add(e);
  }
  const out: Diagnostic[] = [];
  for (const e of errors) {
    if (dropped.has(e)) continue;
    const d = messageFor(e, doc);
    if (d) out.push(d);
  }
  return out;
}
