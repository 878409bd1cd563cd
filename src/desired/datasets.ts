import type { Diagnostic } from './diagnostic.js';
import type { DesiredState } from '../model/index.js';
import type { LoadedDocs } from './load.js';
import { datasetText } from './rules/index.js';
import { diagnosticAt } from './yaml-source.js';

/** What a stage's dataset field names in the catalog: definitions, or (stagedfiles) a project. */
export function namedDatasets(
  desired: DesiredState,
  campaign: string,
  stage: string,
): Array<{ kind: 'definition' | 'project'; name: string }> {
  const s = desired.campaigns
    .find((c) => c.name === campaign)
    ?.stages.find((x) => x.name === stage);
  if (!s || s.dataset.kind === 'none' || s.dataset.kind === 'fromParent') return [];
  if (s.split.type === 'multiparam') return [];
  if (s.split.type === 'stagedfiles') return [{ kind: 'project', name: datasetText(s.dataset) }];
  if (s.split.type === 'list')
    return datasetText(s.dataset)
      .split(',')
      .map((e) => ({ kind: 'definition' as const, name: e.trim() }));
  return s.dataset.kind === 'definition' ? [{ kind: 'definition', name: s.dataset.name }] : [];
}

/**
 * Diagnostics, at the stage's dataset field, for every dataset a stage names that the
 * catalog does not have. `exists` asks the catalog; a failure to ask is thrown, not reported
 * as missing.
 */
export async function missingDatasets(
  docs: LoadedDocs,
  desired: DesiredState,
  exists: (kind: 'definition' | 'project', name: string) => Promise<boolean>,
  campaigns?: ReadonlySet<string>,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const c of docs.campaigns) {
    const name = c.value.metadata.name;
    if (campaigns && !campaigns.has(name)) continue;
    for (const [i, s] of c.value.spec.stages.entries()) {
      for (const d of namedDatasets(desired, name, s.name)) {
        if (await exists(d.kind, d.name)) continue;
        out.push(
          diagnosticAt(
            c.doc,
            ['spec', 'stages', i, 'dataset'],
            'dataset-missing',
            `${d.kind} ${d.name} does not exist in the catalog`,
            {
              severity: 'error',
              hint:
                d.kind === 'definition'
                  ? 'create it first (samweb create-definition, or gitpoms define NAME DIMENSIONS)'
                  : 'name a project that has run',
            },
          ),
        );
      }
    }
  }
  return out;
}
