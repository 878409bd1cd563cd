// Bad inputs generated from the JSON Schemas: every field of every kind given a value of a
// wrong type, an unknown value, a value out of its range or pattern, every object an unknown
// field, every required field removed; and families the schemas cannot see (encodings,
// cycles, dangling references, duplicates, path escapes, literal secrets, line breaks in
// command arguments). Each case is a set of files laid over the base repository and the
// field (with its file and the lines) an error must name.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  isMap,
  isSeq,
  LineCounter,
  parseAllDocuments,
  stringify,
  type Document,
  type Node,
} from 'yaml';

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
};

type Segment = string | number;

export interface GeneratedCase {
  name: string;
  /** Files laid over the base repository (text or exact bytes). */
  files: Record<string, string | Buffer>;
  /** The file an error must name. */
  file: string;
  /** The field an error must name: this path or one of its ancestors within the document. */
  field?: Segment[];
  /** The document of the file the field is in (any when absent). */
  doc?: number;
  /** A planted credential that no output may show. */
  secret?: string;
  /** A pattern the error's message must match, when the field alone does not say it. */
  message?: RegExp;
}

const SCHEMAS = path.join(import.meta.dirname, '../../schemas');
const BASE = path.join(import.meta.dirname, '../bad-inputs/base');
const schemaFile = (f: string) => JSON.parse(readFileSync(path.join(SCHEMAS, f), 'utf8')) as Schema;
const KIND_SCHEMAS: Record<string, string> = {
  LaunchTemplate: 'launchtemplate.schema.json',
  JobType: 'jobtype.schema.json',
  Campaign: 'campaign.schema.json',
  Service: 'service.schema.json',
  Config: 'config.schema.json',
};

const SERVICE = `apiVersion: gitpoms/v1
kind: Service
metadata: { name: sam, experiment: demo }
spec:
  probe: { command: [/bin/true] }
  gatesLaunches: true
`;

/** The base repository's documents, by file, with a Service added so every kind is present. */
export function baseDocuments(): Record<string, unknown[]> {
  const demo = `${readFileSync(path.join(BASE, 'campaigns/demo.yaml'), 'utf8')}---\n${SERVICE}`;
  return {
    'campaigns/demo.yaml': parseAllDocuments(demo).map((d) => d.toJS() as unknown),
    'gitpoms.yaml': [
      parseAllDocuments(readFileSync(path.join(BASE, 'gitpoms.yaml'), 'utf8'))[0]!.toJS(),
    ],
  };
}

function resolve(s: Schema, file: string): [Schema, string] {
  let cur = s;
  let f = file;
  for (let hops = 0; cur.$ref && hops < 10; hops++) {
    const [target, pointer = ''] = cur.$ref.split('#');
    if (target) f = target;
    let node = schemaFile(f);
    for (const part of pointer.split('/').filter(Boolean)) node = node[part] as Schema;
    cur = node;
  }
  return [cur, f];
}

/** The JSON types a schema admits ('integer' within 'number'); undefined when it does not say. */
function types(s: Schema, file: string): Set<string> | undefined {
  const [r, f] = resolve(s, file);
  const out = new Set<string>();
  const add = (t: string) => out.add(t);
  if (r.type) (Array.isArray(r.type) ? r.type : [r.type]).forEach(add);
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  if ('const' in r) add(typeOf(r.const));
  if (r.enum) r.enum.forEach((v) => add(typeOf(v)));
  for (const b of [...(r.oneOf ?? []), ...(r.anyOf ?? [])]) {
    const t = types(b, f);
    if (!t) return undefined;
    t.forEach(add);
  }
  if (out.has('number')) add('integer');
  return out.size ? out : undefined;
}

const CANDIDATES: Array<[string, unknown]> = [
  ['object', { bogus: 1 }],
  ['array', [1, 2]],
  ['string', 'text'],
  ['integer', 12345],
  ['boolean', true],
];

function wrongValue(s: Schema, file: string): unknown {
  const t = types(s, file);
  if (!t) return undefined;
  return CANDIDATES.find(([type]) => !t.has(type))?.[1];
}

const clone = <T>(v: T): T => structuredClone(v);

/** Sets (or, with `undefined`, deletes) the value at `p`, making the objects and lists on the way. */
function setIn(root: unknown, p: Segment[], value: unknown): void {
  let cur = root as Record<string | number, unknown>;
  for (let i = 0; i < p.length - 1; i++) {
    const seg = p[i]!;
    if (cur[seg] === undefined || cur[seg] === null || typeof cur[seg] !== 'object')
      cur[seg] = typeof p[i + 1] === 'number' ? [] : {};
    cur = cur[seg] as Record<string | number, unknown>;
  }
  const last = p.at(-1)!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

function getIn(root: unknown, p: Segment[]): unknown {
  let cur = root;
  for (const seg of p) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** The lines (1-based) of the deepest node on `p` that the text holds: its key's and its value's. */
export function linesOf(text: string, docIndex: number, p: Segment[]): number[] {
  const lc = new LineCounter();
  const doc = parseAllDocuments(text, { lineCounter: lc })[docIndex] as Document;
  const lines: number[] = [];
  let node = doc.contents as Node | null;
  if (node?.range) lines.push(lc.linePos(node.range[0]).line);
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown })?.value === seg);
      if (!pair) break;
      const key = pair.key as Node;
      lines.length = 0;
      if (key.range) lines.push(lc.linePos(key.range[0]).line);
      node = pair.value as Node | null;
      if (node?.range) lines.push(lc.linePos(node.range[0]).line);
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg] as Node;
      lines.length = 0;
      if (node.range) lines.push(lc.linePos(node.range[0]).line);
    } else break;
  }
  return lines;
}

function render(docs: unknown[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

function label(p: Segment[]): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

/** Mutations of one document, walking its kind's schema. */
function schemaCases(file: string, docs: unknown[], index: number): GeneratedCase[] {
  const doc = docs[index] as { kind: string };
  const out: GeneratedCase[] = [];
  const emit = (what: string, p: Segment[], value: unknown, field = p) => {
    const mutated = clone(docs);
    setIn(mutated[index], p, value);
    const text = render(mutated);
    out.push({
      name: `${doc.kind} ${label(p)}: ${what}`,
      files: { [file]: text },
      file,
      field,
      doc: index,
    });
  };
  const seen = new Set<string>();
  const walk = (s: Schema, f: string, p: Segment[], depth: number) => {
    const [r, rf] = resolve(s, f);
    const key = `${label(p)}|${rf}|${JSON.stringify(r).length}`;
    if (seen.has(key) || depth > 8) return;
    seen.add(key);
    for (const branch of [...(r.oneOf ?? []), ...(r.anyOf ?? [])]) {
      const [b] = resolve(branch, rf);
      if (b.properties) walk(branch, rf, p, depth + 1);
    }
    if (r.items) {
      const [items] = resolve(r.items, rf);
      if (items.properties || items.oneOf) walk(r.items, rf, [...p, 0], depth + 1);
    }
    if (!r.properties) return;
    const here = getIn(doc, p);
    if (r.additionalProperties === false)
      emit('an unknown field', [...p, 'bogusField'], 1, [...p, 'bogusField']);
    for (const req of r.required ?? [])
      if (here && typeof here === 'object' && req in here && p.length > 0)
        emit(`without the required ${req}`, [...p, req], undefined, p);
    for (const [name, sub] of Object.entries(r.properties)) {
      if (p.length === 0 && (name === 'apiVersion' || name === 'kind')) continue;
      const fp = [...p, name];
      const [rs] = resolve(sub, rf);
      const wrong = wrongValue(sub, rf);
      if (wrong !== undefined)
        emit(`a value of the wrong type (${JSON.stringify(wrong)})`, fp, wrong);
      if (rs.enum?.every((v) => typeof v === 'string'))
        emit('a value not among the allowed ones', fp, 'no-such-value');
      if (
        rs.type === 'string' &&
        rs.pattern &&
        !new RegExp(rs.pattern, 'u').test('!! not valid !!')
      )
        emit('a value that does not match its pattern', fp, '!! not valid !!');
      if ((rs.type === 'integer' || rs.type === 'number') && rs.minimum !== undefined)
        emit('a value below its minimum', fp, rs.minimum - 1);
      if ((rs.type === 'integer' || rs.type === 'number') && rs.maximum !== undefined)
        emit('a value above its maximum', fp, rs.maximum + 1);
      if (rs.type === 'array' && (rs.minItems ?? 0) >= 1) emit('an empty list', fp, []);
      walk(sub, rf, fp, depth + 1);
    }
  };
  walk(schemaFile(KIND_SCHEMAS[doc.kind]!), KIND_SCHEMAS[doc.kind]!, [], 0);
  return out;
}

/** Every schema-derived case of the base repository. */
export function generatedSchemaCases(): GeneratedCase[] {
  const base = baseDocuments();
  return Object.entries(base).flatMap(([file, docs]) =>
    docs.flatMap((_, i) => schemaCases(file, docs, i)),
  );
}

/** The base documents' text, with the Service. */
export function baseTexts(): Record<string, string> {
  return Object.fromEntries(Object.entries(baseDocuments()).map(([f, d]) => [f, render(d)]));
}

type Docs = Record<string, unknown[]>;
type Doc = { kind: string; metadata?: { name: string }; spec: Record<string, unknown> };

const DEMO = 'campaigns/demo.yaml';

/** A case made by editing the base documents; the error must name `file` and `field`. */
function edited(
  name: string,
  edit: (docs: Docs, find: (kind: string) => Doc) => void,
  expect: { file?: string; field?: Segment[]; message?: RegExp } = {},
): GeneratedCase {
  const docs = baseDocuments();
  const find = (kind: string) =>
    (docs[kind === 'Config' ? 'gitpoms.yaml' : DEMO]!.find(
      (d) => (d as Doc).kind === kind,
    ) as Doc) ??
    (() => {
      throw new Error(`no ${kind} in the base`);
    })();
  const touched = new Set<Doc>();
  const count = docs[DEMO]!.length;
  edit(docs, (kind) => {
    const d = find(kind);
    touched.add(d);
    return d;
  });
  const files = Object.fromEntries(Object.entries(docs).map(([f, d]) => [f, render(d)]));
  const file = expect.file ?? DEMO;
  // The field's document, when the edit changed one and added none.
  const only = touched.size === 1 && docs[DEMO]!.length === count ? [...touched][0]! : undefined;
  const doc = only ? docs[file]!.indexOf(only) : -1;
  return {
    name,
    files,
    file,
    ...(doc >= 0 ? { doc } : {}),
    ...(expect.field ? { field: expect.field } : {}),
    ...(expect.message ? { message: expect.message } : {}),
  };
}

const campaign = (find: (k: string) => Doc) =>
  find('Campaign').spec as { stages: Array<Record<string, unknown>> } & Record<string, unknown>;

function encodings(): GeneratedCase[] {
  const texts = baseTexts();
  const out: GeneratedCase[] = [];
  for (const file of [DEMO, 'gitpoms.yaml']) {
    const text = texts[file]!;
    const utf16be = Buffer.from(text, 'utf16le').swap16();
    const variants: Array<[string, Buffer]> = [
      ['CR-only line endings', Buffer.from(text.replaceAll('\n', '\r'))],
      [
        'UTF-16LE with a BOM',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      ],
      ['UTF-16BE with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be])],
      ['UTF-16LE without a BOM', Buffer.from(text, 'utf16le')],
      [
        'UTF-32LE with a BOM',
        Buffer.concat([
          Buffer.from([0xff, 0xfe, 0, 0]),
          Buffer.from([...text].flatMap((ch) => [ch.charCodeAt(0), 0, 0, 0])),
        ]),
      ],
      [
        'an invalid UTF-8 byte',
        Buffer.concat([
          Buffer.from(text.slice(0, 40)),
          Buffer.from([0xc3, 0x28]),
          Buffer.from(text.slice(40)),
        ]),
      ],
      [
        'a NUL byte (binary)',
        Buffer.concat([
          Buffer.from(text.slice(0, 40)),
          Buffer.from([0]),
          Buffer.from(text.slice(40)),
        ]),
      ],
      ['random binary', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256))],
    ];
    for (const [what, bytes] of variants)
      out.push({ name: `encoding: ${file} in ${what}`, files: { [file]: bytes }, file });
  }
  return out;
}

function graphs(): GeneratedCase[] {
  const cycle = (n: number): GeneratedCase =>
    edited(
      `cycle: a campaign of ${n} stages, the first depending on the last`,
      (_d, find) => {
        const c = campaign(find);
        c.stages = Array.from({ length: n }, (_, i) => ({
          name: `s${i}`,
          dependsOn: [{ stage: `s${(i + n - 1) % n}` }],
        }));
      },
      { field: ['spec', 'stages'], message: /cycle/ },
    );
  return [
    ...[2, 3, 10, 100, 1000, 5000].map(cycle),
    edited(
      'cycle: a stage depending on itself',
      (_d, find) => {
        campaign(find).stages[1]!.dependsOn = [{ stage: 'reco' }];
      },
      { field: ['spec', 'stages', 1], message: /itself|cycle/ },
    ),
    edited(
      'cycle: two campaigns depending on each other',
      (docs, find) => {
        const other = clone(find('Campaign')) as Doc;
        other.metadata!.name = 'other';
        (other.spec.stages as Array<Record<string, unknown>>)[0]!.dependsOn = [
          { stage: 'reco', campaign: 'demo' },
        ];
        campaign(find).stages[0]!.dependsOn = [{ stage: 'reco', campaign: 'other' }];
        docs[DEMO]!.push(other);
      },
      { message: /cycle/ },
    ),
  ];
}

function references(): GeneratedCase[] {
  const s = (i: number): Segment[] => ['spec', 'stages', i];
  return [
    edited(
      'reference: a dependency on a stage that does not exist',
      (_d, f) => {
        campaign(f).stages[1]!.dependsOn = [{ stage: 'nope' }];
      },
      { field: [...s(1), 'dependsOn', 0, 'stage'] },
    ),
    edited(
      'reference: a dependency on a campaign that does not exist',
      (_d, f) => {
        campaign(f).stages[1]!.dependsOn = [{ stage: 'gen', campaign: 'nope' }];
      },
      { field: [...s(1), 'dependsOn', 0, 'campaign'] },
    ),
    edited(
      'reference: a campaign job type that does not exist',
      (_d, f) => {
        campaign(f).jobType = 'nope';
      },
      { field: ['spec', 'jobType'] },
    ),
    edited(
      'reference: a stage job type that does not exist',
      (_d, f) => {
        campaign(f).stages[0]!.jobType = 'nope';
      },
      { field: [...s(0), 'jobType'] },
    ),
    edited(
      'reference: a campaign launch template that does not exist',
      (_d, f) => {
        campaign(f).launchTemplate = 'nope';
      },
      { field: ['spec', 'launchTemplate'] },
    ),
    edited(
      'reference: a stage launch template that does not exist',
      (_d, f) => {
        campaign(f).stages[1]!.launchTemplate = 'nope';
      },
      { field: [...s(1), 'launchTemplate'] },
    ),
    edited(
      'reference: a service gating a campaign that does not exist',
      (_d, f) => {
        f('Service').spec.campaigns = ['nope'];
      },
      { field: ['spec', 'campaigns', 0] },
    ),
    edited(
      'reference: a job type of another experiment',
      (_d, f) => {
        (f('JobType').metadata as { experiment?: string }).experiment = 'other';
        f('Campaign');
      },
      { field: ['spec', 'jobType'] },
    ),
  ];
}

function duplicates(): GeneratedCase[] {
  const twice = (kind: string): GeneratedCase =>
    edited(
      `duplicate: two ${kind} documents of one name`,
      (docs, f) => {
        docs[DEMO]!.push(clone(f(kind)));
      },
      { field: ['metadata', 'name'] },
    );
  return [
    ...['LaunchTemplate', 'JobType', 'Campaign', 'Service'].map(twice),
    edited(
      'duplicate: two stages of one name',
      (_d, f) => {
        campaign(f).stages[1]!.name = 'gen';
      },
      { field: ['spec', 'stages', 1, 'name'] },
    ),
    (() => {
      const c = edited('duplicate: a campaign of the same name in another file', () => {});
      return {
        ...c,
        files: { ...c.files, 'campaigns/copy.yaml': c.files[DEMO] as string },
        field: ['metadata', 'name'],
      };
    })(),
  ];
}

function paths(): GeneratedCase[] {
  const config = (p: string) =>
    edited(
      `path escape: the fife_launch config ${p}`,
      (_d, f) => {
        f('JobType').spec.launch = ['fife_launch', '-c', p];
      },
      { field: ['spec', 'launch'] },
    );
  const script = (p: string) =>
    edited(
      `path escape: a launch script ${p}`,
      (_d, f) => {
        f('JobType').spec.launch = [p, '--stage', 'x'];
      },
      { field: ['spec', 'launch'] },
    );
  const cfgOf = (what: string, set: (spec: Record<string, unknown>) => void, field: Segment[]) =>
    edited(`path escape: ${what}`, (_d, f) => set(f('Config').spec), {
      file: 'gitpoms.yaml',
      field,
    });
  return [
    ...[
      '../outside.cfg',
      '../../../../etc/passwd',
      '/etc/passwd',
      'campaigns/../../x.cfg',
      '/dev/zero',
      '/proc/self/environ',
      '/dev/stdin',
    ].map(config),
    ...['../run.sh', '/bin/sh', '/usr/bin/env', '../../../../bin/bash'].map(script),
    cfgOf('a paths entry ../', (s) => (s.paths = ['../']), ['spec', 'paths', 0]),
    cfgOf('a paths entry /etc', (s) => (s.paths = ['/etc']), ['spec', 'paths', 0]),
    cfgOf('a paths entry campaigns/../..', (s) => (s.paths = ['campaigns/../..']), [
      'spec',
      'paths',
      0,
    ]),
    cfgOf('a local.path entry ../bin', (s) => (s.local = { path: ['../bin'] }), [
      'spec',
      'local',
      'path',
      0,
    ]),
    cfgOf('a local.path entry /usr/bin', (s) => (s.local = { path: ['/usr/bin'] }), [
      'spec',
      'local',
      'path',
      0,
    ]),
    cfgOf('source.path ../..', (s) => (s.source = { path: '../..' }), ['spec', 'source', 'path']),
    cfgOf('source.path /', (s) => (s.source = { path: '/' }), ['spec', 'source', 'path']),
  ];
}

const SECRET_NAMES = [
  'DB_PASS',
  'MYSQL_PWD',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'SSH_KEY',
  'BEARER',
  'GITHUB_TOKEN',
  'API_KEY',
  'PASSWORD',
  'CLIENT_SECRET',
  'SAM_TOKEN',
  'PRIVATE_KEY',
];

function secrets(): GeneratedCase[] {
  const named = SECRET_NAMES.map((n) => ({
    ...edited(
      `secret: a literal value under ${n}`,
      (_d, f) => {
        f('LaunchTemplate').spec.environment = { [n]: { value: 'hunter2hunter2' } };
      },
      { field: ['spec', 'environment', n] },
    ),
    secret: 'hunter2hunter2',
  }));
  const inText = (
    what: string,
    value: string,
    set: (f: (k: string) => Doc) => void,
    field: Segment[],
    file = DEMO,
  ) => ({ ...edited(`secret: ${what}`, (_d, f) => set(f), { file, field }), secret: value });
  const token = `ghp_${'A1b2C3d4E5'.repeat(4).slice(0, 36)}`;
  const slack = (u: string, i: number) =>
    inText(
      `a Slack webhook URL (${i})`,
      hook,
      (f) => {
        f('Config').spec.notifications = [{ url: u }];
      },
      ['spec', 'notifications', 0, 'url'],
      'gitpoms.yaml',
    );
  const hook = 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
  return [
    ...named,
    inText(
      'a GitHub token in a description',
      token,
      (f) => {
        (f('Campaign').metadata as { description?: string }).description = `token ${token}`;
      },
      ['metadata', 'description'],
    ),
    inText(
      'a GitHub token in an override',
      token,
      (f) => {
        campaign(f).stages[0]!.overrides = { 'global.token': token };
      },
      ['spec', 'stages', 0, 'overrides'],
    ),
    ...[
      `https://hooks.slack.com/services/${hook}`,
      `https://hooks.slack.com:443/services/${hook}`,
      `HTTPS://HOOKS.SLACK.COM/services/${hook}`,
      `http://hooks.slack.com/services/${hook}`,
      `https://hooks.slack.com./services/${hook}`,
    ].map(slack),
    inText(
      'credentials in the source repository URL',
      's3cr3tt0ken',
      (f) => {
        f('Config').spec.source = { repository: 'https://gitpoms:s3cr3tt0ken@github.com/x/y.git' };
      },
      ['spec', 'source', 'repository'],
      'gitpoms.yaml',
    ),
    inText(
      'credentials in the samweb URL',
      'pw123456',
      (f) => {
        f('Config').spec.backends = {
          samweb: { baseUrl: 'https://u:pw123456@samweb.fnal.gov:8483/sam/sbnd/api' },
        };
      },
      ['spec', 'backends', 'samweb', 'baseUrl'],
      'gitpoms.yaml',
    ),
    inText(
      'credentials in a service probe URL',
      'pw123456',
      (f) => {
        f('Service').spec.probe = { http: 'https://u:pw123456@samweb.fnal.gov/status' };
      },
      ['spec', 'probe', 'http'],
    ),
    inText(
      'credentials in a notification URL',
      'pw123456',
      (f) => {
        f('Config').spec.notifications = [{ url: 'https://u:pw123456@alerts.example.org/hook' }];
      },
      ['spec', 'notifications', 0, 'url'],
      'gitpoms.yaml',
    ),
  ];
}

function commandWords(): GeneratedCase[] {
  const out: GeneratedCase[] = [];
  for (const [what, brk] of [
    ['a line break', 'a\nb'],
    ['a NUL', 'a\u0000b'],
    ['a carriage return', 'a\rb'],
  ] as const) {
    const c = (where: string, set: (f: (k: string) => Doc) => void, field: Segment[]) =>
      out.push(edited(`command argument: ${what} in ${where}`, (_d, f) => set(f), { field }));
    c(
      'a launch word',
      (f) =>
        (f('JobType').spec.launch = [
          'fife_launch',
          '-c',
          'campaigns/cfg/launch.cfg',
          `-Oglobal.x=${brk}`,
        ]),
      ['spec', 'launch', 3],
    );
    c('a stage override', (f) => (campaign(f).stages[0]!.overrides = { 'global.fclfile': brk }), [
      'spec',
      'stages',
      0,
      'overrides',
      'global.fclfile',
    ]);
    c('a campaign override', (f) => (campaign(f).overrides = { 'global.fclfile': brk }), [
      'spec',
      'overrides',
      'global.fclfile',
    ]);
    c(
      'a definition parameter',
      (f) => (f('JobType').spec.definitionParameters = { overrides: { 'global.x': brk } }),
      ['spec', 'definitionParameters', 'overrides', 'global.x'],
    );
    c(
      'a recovery override',
      (f) =>
        (f('JobType').spec.recoveries = [
          { type: 'consumed_status', overrides: { 'global.x': brk } },
        ]),
      ['spec', 'recoveries', 0, 'overrides', 'global.x'],
    );
    c('a probe command', (f) => (f('Service').spec.probe = { command: ['/bin/echo', brk] }), [
      'spec',
      'probe',
      'command',
      1,
    ]);
  }
  return out;
}

function values(): GeneratedCase[] {
  const stage = (what: string, set: Record<string, unknown>, field: Segment[], message?: RegExp) =>
    edited(`value: ${what}`, (_d, f) => Object.assign(campaign(f).stages[0]!, set), {
      field: ['spec', 'stages', 0, ...field],
      ...(message ? { message } : {}),
    });
  const crons = [
    '*/99999999999999999999 * * * *',
    '? * * * *',
    '61 * * * *',
    '* 25 * * *',
    '* * 32 * *',
    '* * * 13 *',
    '* * * * 8',
    '* * *',
    'every day',
    '*/0 * * * *',
    '5-1 * * * *',
    '@fortnightly',
  ];
  const splits = [
    'nfiles(99999999999999999999)',
    'nfiles(0)',
    'nfiles(-1)',
    'nfiles(',
    'nfiles(x)',
    'bogus(1)',
    'mod(0)',
    'limitn()',
    'byrun(low=5,high=1)',
    'new(firsttime=notadate)',
    'new(window=1y)',
    'drainingn(0)',
  ];
  return [
    ...crons.map((c) => stage(`schedule "${c}"`, { schedule: c }, ['schedule'])),
    ...splits.map((s) =>
      stage(`split "${s}"`, { split: s, dataset: 'some_definition' }, ['split']),
    ),
    edited(
      'value: an unknown time zone',
      (_d, f) => (f('Config').spec.timeZone = 'Mars/Olympus_Mons'),
      { file: 'gitpoms.yaml', field: ['spec', 'timeZone'] },
    ),
    edited(
      'value: gitpoms.yaml naming a batch system twice',
      (_d, f) => (f('Config').spec.backends = { batch: ['local', 'local'] }),
      { file: 'gitpoms.yaml', field: ['spec', 'backends', 'batch'] },
    ),
  ];
}

/** The cases the schemas cannot see. */
export function generatedFamilyCases(): GeneratedCase[] {
  return [
    ...encodings(),
    ...graphs(),
    ...references(),
    ...duplicates(),
    ...paths(),
    ...secrets(),
    ...commandWords(),
    ...values(),
  ];
}

/** A copy of the base repository with the case's files laid over it, in a new temporary folder. */
export function materializeGenerated(files: GeneratedCase['files']): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-gen-'));
  cpSync(path.join(import.meta.dirname, '..', 'bad-inputs', 'base'), dir, { recursive: true });
  for (const [f, text] of Object.entries({ ...baseTexts(), ...files }))
    writeFileSync(path.join(dir, f), text);
  return dir;
}
