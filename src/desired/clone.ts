// gitpoms clone: a campaign document copied under a new name with edits, its comments and
// layout kept (yaml's document API), as POMS's campaign clone is used: rename, change
// overrides, point a dependency elsewhere.
import { isMap, isSeq, parse, parseAllDocuments, type Document } from 'yaml';
import { InvalidInputError } from '../errors.js';

/** One --set: the stage it edits (`*` every stage, `spec` the campaign), the field path, the value. */
export interface CloneEdit {
  target: string;
  path: Array<string | number>;
  value: unknown;
  text: string;
}

/**
 * `STAGE.FIELD=VALUE`: FIELD is a dotted path with [N] indexes (`dependsOn[0].campaign`,
 * `completion.percent`); after `overrides.` the rest is one key (`overrides.global.fclfile`).
 * VALUE is read as YAML (`10` a number, `[a, b]` a list).
 */
export function parseEdit(text: string): CloneEdit {
  const m = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(text);
  if (!m)
    throw new InvalidInputError(
      `--set ${text}: write STAGE.FIELD=VALUE, e.g. g4.overrides.global.fclfile=x.fcl (STAGE * is every stage, spec the campaign)`,
    );
  const [, target, field, raw] = m as unknown as [string, string, string, string];
  const path: Array<string | number> = [];
  let rest = field;
  while (rest) {
    const o = /^overrides\.(.+)$/s.exec(rest);
    if (o) {
      path.push('overrides', o[1]!);
      break;
    }
    const seg = /^([A-Za-z][A-Za-z0-9]*)((?:\[\d+\])*)(?:\.|$)/.exec(rest);
    if (!seg) throw new InvalidInputError(`--set ${text}: "${rest}" is not a field path`);
    path.push(seg[1]!);
    for (const i of seg[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(i[1]));
    rest = rest.slice(seg[0].length);
  }
  let value: unknown;
  try {
    value = raw === '' ? '' : parse(raw);
  } catch (e) {
    throw new InvalidInputError(`--set ${text}: the value is not YAML: ${(e as Error).message}`);
  }
  return { target, path, value, text };
}

/** The campaign `name` of a file's text, cloned as `newName` with the edits: the new file's text. */
export function cloneCampaign(
  text: string,
  name: string,
  newName: string,
  edits: readonly CloneEdit[],
): string {
  const docs = parseAllDocuments(text);
  const doc = (Array.isArray(docs) ? docs : [docs]).find(
    (d): d is Document.Parsed =>
      'getIn' in d && d.get('kind') === 'Campaign' && d.getIn(['metadata', 'name']) === name,
  );
  if (!doc) throw new InvalidInputError(`no Campaign ${name} in the file`);
  // The first document of a file carries the file's schema line; a later one its own comments.
  doc.directives.docStart = null;
  doc.setIn(['metadata', 'name'], newName);
  const stages = doc.getIn(['spec', 'stages']);
  const names = isSeq(stages)
    ? stages.items.map((s) => (isMap(s) ? String(s.get('name')) : ''))
    : [];
  for (const e of edits) {
    if (e.target === 'spec') {
      doc.setIn(['spec', ...e.path], e.value);
      continue;
    }
    const at =
      e.target === '*'
        ? names.map((_, i) => i)
        : names.flatMap((n, i) => (n === e.target ? [i] : []));
    if (!at.length)
      throw new InvalidInputError(
        `--set ${e.text}: campaign ${name} has no stage ${e.target}; its stages are ${names.join(', ')}`,
      );
    for (const i of at) doc.setIn(['spec', 'stages', i, ...e.path], e.value);
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
