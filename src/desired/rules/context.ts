import { didYouMean, type Diagnostic } from '../diagnostic.js';
import { type RepoFiles } from '../repo.js';
import { diagnosticAt, type FieldPath, type SourceDoc } from '../yaml-source.js';

export interface Ctx {
  repo: RepoFiles;
  diags: Diagnostic[];
}

export type Report = (
  ctx: Ctx,
  doc: SourceDoc,
  path: FieldPath,
  code: string,
  message: string,
  hint?: string,
) => void;

export function reporter(severity: 'error' | 'warning'): Report {
  return (ctx, doc, path, code, message, hint) =>
    ctx.diags.push(diagnosticAt(doc, path, code, message, { hint, severity }));
}

export const err = reporter('error');
export const warn = reporter('warning');

export function hintFor(word: string, candidates: Iterable<string>): string | undefined {
  const g = didYouMean(word, candidates);
  return g ? `did you mean "${g}"?` : undefined;
}
