import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { Diagnostic } from './diagnostic.js';

const CONFIG = {
  rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }],
};

/** secretlint's rule id as a name: "@secretlint/secretlint-rule-github" → "github". */
function ruleName(id: string): string {
  return id.replace(/^@secretlint\/secretlint-rule-/, '');
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
        path: '',
        code: 'secret-in-git',
        severity: 'error',
        message: `a literal credential (${ruleName(m.ruleId)}) is written here; secrets are never written in the repository`,
        hint: 'reference it instead: fromEnv: VAR or fromFile: /path/on/the/host',
      });
    }
  }
  return out;
}
