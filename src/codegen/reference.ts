// docs/reference.md from the schemas: every field of every kind with its type, whether it is
// required and its description, so the reference cannot say other than what validate checks.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ALL_SCHEMA_FILES, SCHEMA_FILES } from '../model/schema-files.js';

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  title?: string;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

interface Row {
  field: string;
  type: string;
  required: boolean;
  description: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');

export async function generateReference(schemaDir: string): Promise<string> {
  const files = new Map<string, Schema>();
  for (const f of ALL_SCHEMA_FILES)
    files.set(f, JSON.parse(await readFile(path.join(schemaDir, f), 'utf8')) as Schema);

  const resolve = (s: Schema, file: string): { s: Schema; file: string } => {
    if (!s.$ref) return { s, file };
    const [target, pointer] = s.$ref.split('#') as [string, string];
    const f = target || file;
    let node: unknown = files.get(f);
    for (const seg of pointer.split('/').filter(Boolean))
      node = (node as Record<string, unknown>)[seg];
    // A $ref's own description says what the field is; the target's says what the type is.
    const out = resolve(node as Schema, f);
    return {
      s: { ...out.s, ...(s.description ? { description: s.description } : {}) },
      file: out.file,
    };
  };

  const typeOf = (raw: Schema, file: string): string => {
    const { s, file: f } = resolve(raw, file);
    if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
    if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
    const alts = s.oneOf ?? s.anyOf;
    if (alts) return alts.map((a) => typeOf(a, f)).join(' or ');
    const t = Array.isArray(s.type)
      ? s.type.join(' or ')
      : (s.type ?? (s.properties ? 'object' : 'any'));
    if (t === 'array' && s.items) return `list of ${typeOf(s.items, f)}`;
    if (
      t === 'object' &&
      !s.properties &&
      s.additionalProperties &&
      typeof s.additionalProperties === 'object'
    )
      return `map of ${typeOf(s.additionalProperties, f)}`;
    const bounds = [
      s.minimum !== undefined ? `≥ ${s.minimum}` : '',
      s.maximum !== undefined ? `≤ ${s.maximum}` : '',
    ].filter(Boolean);
    return bounds.length ? `${t} (${bounds.join(', ')})` : t;
  };

  const walk = (raw: Schema, file: string, prefix: string, rows: Row[], seen: Set<Schema>) => {
    const { s, file: f } = resolve(raw, file);
    if (seen.has(s)) return;
    const next = new Set(seen).add(s);
    for (const [name, child] of Object.entries(s.properties ?? {})) {
      const field = prefix ? `${prefix}.${name}` : name;
      const c = resolve(child, f);
      rows.push({
        field,
        type: typeOf(child, f),
        required: (s.required ?? []).includes(name),
        description: c.s.description ?? '',
      });
      walk(child, f, field, rows, next);
      const items = c.s.items && resolve(c.s.items, c.file);
      if (items?.s.properties) walk(c.s.items!, c.file, `${field}[]`, rows, next);
      for (const alt of c.s.oneOf ?? []) {
        const a = resolve(alt, c.file);
        if (a.s.properties) walk(alt, c.file, field, rows, next);
        const ai = a.s.items && resolve(a.s.items, a.file);
        if (ai?.s.properties) walk(a.s.items!, a.file, `${field}[]`, rows, next);
      }
    }
  };

  const out: string[] = [
    '# YAML reference',
    '',
    'Generated from `schemas/*.schema.json` by `npm run gen:types`; a test fails when it is stale.',
    'Every document has `apiVersion: gitpoms/v1`, a `kind` and (all but Config) `metadata`.',
    'A field in **bold** is required.',
    '',
  ];
  for (const file of SCHEMA_FILES) {
    const schema = files.get(file)!;
    const kind =
      (resolve((schema.properties ?? {}).kind ?? {}, file).s.const as string) ?? schema.title;
    out.push(`## ${kind}`, '', `Schema: [\`schemas/${file}\`](../schemas/${file}).`);
    if (schema.description) out.push('', cell(schema.description));
    out.push('', '| field | type | description |', '|---|---|---|');
    const rows: Row[] = [];
    walk(schema, file, '', rows, new Set());
    // Dedupe a field reached through more than one alternative.
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.field)) continue;
      seen.add(r.field);
      const name = r.required ? `**\`${r.field}\`**` : `\`${r.field}\``;
      out.push(`| ${name} | ${cell(r.type)} | ${cell(r.description)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
