import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { isMap, isScalar, isSeq, parseAllDocuments, type Node } from 'yaml';
import { formatPath, type Diagnostic } from './diagnostic.js';

// secretlint 10 profiles every run: a performance mark per rule per file, and an observer that
// scans every mark so far at each one (quadratic: 70% of a 2,000-file validate). Nothing reads
// the profile here. Upstream made it opt-in (secretlint#1673) in 13.x, which needs Node 22.
secretLintProfiler.mark = () => {};

const CONFIG = {
  rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }],
};

/** secretlint's rule id as a name: "@secretlint/secretlint-rule-github" → "github". */
function ruleName(id: string): string {
  return id.replace(/^@secretlint\/secretlint-rule-/, '');
}

/** The field of a YAML file whose value holds `offset` ('' outside any, or in a file that is not YAML). */
function fieldAt(file: string, text: string, offset: number): string {
  if (!/\.ya?ml$/.test(file)) return '';
  const path: Array<string | number> = [];
  const within = (n: Node | null | undefined) =>
    !!n?.range && n.range[0] <= offset && offset < n.range[1];
  const walk = (n: Node | null | undefined): void => {
    if (isMap(n)) {
      const pair = n.items.find((p) => within(p.value as Node | null));
      if (!pair) return;
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
      walk(pair.value as Node);
    } else if (isSeq(n)) {
      const i = n.items.findIndex((item) => within(item as Node));
      if (i < 0) return;
      path.push(i);
      walk(n.items[i] as Node);
    }
  };
  for (const doc of parseAllDocuments(text)) {
    if (!('contents' in doc) || !within(doc.contents as Node)) continue;
    walk(doc.contents as Node);
    break;
  }
  return formatPath(path);
}

/**
 * Literal credentials in the files a load read, found by secretlint's recommended rules
 * (cloud keys, tokens of GitHub, Slack, npm and others, private keys, basic-auth URLs,
 * database connection strings). The message names the kind of credential, never its value.
 * A line that already has a secret-in-git diagnostic is not reported twice.
 */
export async function scanSecrets(
  files: ReadonlyArray<{ file: string; text: string }>,
  known: readonly Diagnostic[] = [],
): Promise<Diagnostic[]> {
  const seen = new Set(
    known.filter((d) => d.code === 'secret-in-git').map((d) => `${d.file}:${d.line}`),
  );
  const out: Diagnostic[] = [];
  for (const { file, text } of files) {
    const r = await lintSource({
      source: { filePath: `/${file}`, content: text, contentType: 'text' },
      options: { config: CONFIG },
    });
    for (const m of r.messages) {
      const line = m.loc.start.line;
      if (seen.has(`${file}:${line}`)) continue;
      seen.add(`${file}:${line}`);
      out.push({
        file,
        line,
        column: m.loc.start.column + 1,
        path: fieldAt(file, text, m.range[0]),
        code: 'secret-in-git',
        severity: 'error',
        message: `a literal credential (${ruleName(m.ruleId)}) is written here; secrets are never written in the repository`,
        hint: 'reference it instead: fromEnv: VAR or fromFile: /path/on/the/host',
      });
    }
  }
  return out;
}
