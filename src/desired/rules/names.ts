import type { Located } from '../load.js';
import { err, type Ctx } from './context.js';

export function uniqueNames<T extends { metadata: { name: string; experiment: string } }>(
  ctx: Ctx,
  kind: string,
  items: Located<T>[],
  global = false,
): void {
  const seen = new Map<string, Located<T>>();
  for (const it of items) {
    const key = global
      ? it.value.metadata.name
      : `${it.value.metadata.experiment}/${it.value.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      const at = `${first.doc.file}:${first.doc.locate(['metadata', 'name']).line}`;
      err(
        ctx,
        it.doc,
        ['metadata', 'name'],
        'duplicate-name',
        `${kind} "${it.value.metadata.name}" is already defined at ${at}`,
        global
          ? 'campaign names key submissions and job labels, so they are unique across experiments'
          : undefined,
      );
    } else seen.set(key, it);
  }
}
