import type { Command } from 'commander';
import { emptySnapshot } from '../../observe/snapshot.js';
import { openState } from '../state.js';
import type { Snapshot } from '../../observe/snapshot.js';
import type { DesiredState } from '../../model/index.js';
import { stageId } from '../../desired/desired.js';
import { InvalidInputError } from '../../errors.js';
import { EXIT, dataDirFlag, loadOrReport, repoContext, type Io } from '../io.js';
import { loadSnapshot } from './reconcile.js';

export type GraphFormat = 'mermaid' | 'dot';

function nodeId(campaign: string, stage: string): string {
  return `${campaign}__${stage}`.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Submissions and located submissions per stage, as POMS's campaign dependency page shows. */
function stageCounts(
  snap: Snapshot | undefined,
): Map<string, { submissions: number; located: number }> {
  const m = new Map<string, { submissions: number; located: number }>();
  if (!snap) return m;
  for (const r of snap.records) {
    const id = stageId(r);
    const c = m.get(id) ?? { submissions: 0, located: 0 };
    c.submissions++;
    // Only the store marks a submission located; its jobs never do.
    if (r.status === 'located') c.located++;
    m.set(id, c);
  }
  return m;
}

/** The stage DAG in mermaid or Graphviz DOT; edges point from parent to dependent. */
export function renderGraph(
  desired: DesiredState,
  format: GraphFormat,
  opts: { campaign?: string; snapshot?: Snapshot } = {},
): string {
  const campaigns = desired.campaigns.filter((c) => !opts.campaign || c.name === opts.campaign);
  const counts = stageCounts(opts.snapshot);
  const label = (campaign: string, stage: string) => {
    const c = counts.get(stageId({ campaign, stage }));
    return c ? `${stage}\\nSubmissions ${c.submissions} Located ${c.located}` : stage;
  };
  const out: string[] = [];
  if (format === 'mermaid') {
    out.push('graph LR');
    for (const c of campaigns) {
      out.push(`  subgraph ${nodeId(c.name, '')}["${c.name}"]`);
      for (const s of c.stages)
        out.push(
          `    ${nodeId(c.name, s.name)}["${label(c.name, s.name).replace(/\\n/g, '<br/>')}"]`,
        );
      out.push('  end');
    }
    for (const c of campaigns) {
      for (const s of c.stages)
        for (const d of s.dependsOn)
          out.push(`  ${nodeId(d.campaign, d.stage)} --> ${nodeId(c.name, s.name)}`);
    }
  } else {
    out.push('digraph stages {', '  rankdir=LR;', '  node [shape=box];');
    for (const c of campaigns) {
      out.push(`  subgraph "cluster_${c.name}" {`, `    label="${c.name}";`);
      for (const s of c.stages)
        out.push(`    ${nodeId(c.name, s.name)} [label="${label(c.name, s.name)}"];`);
      out.push('  }');
    }
    for (const c of campaigns) {
      for (const s of c.stages)
        for (const d of s.dependsOn)
          out.push(`  ${nodeId(d.campaign, d.stage)} -> ${nodeId(c.name, s.name)};`);
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

export function registerGraph(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('graph')
    .description('print the stage dependency graph (mermaid or DOT)')
    .option('--format <format>', 'mermaid or dot', 'mermaid')
    .option('--campaign <name>', 'only this campaign')
    .option('--observed <file>', 'label stages with submission counts from this snapshot')
    .option('--live', 'label stages with submission counts from the state store')
    .option('--data-dir <dir>', 'with --live: state directory (default: dataDir of gitpoms.yaml)')
    .option('--repo <dir>', 'repository root', '.')
    .action(
      async (opts: {
        format: string;
        campaign?: string;
        observed?: string;
        live?: boolean;
        dataDir?: string;
        repo: string;
      }) => {
        if (opts.format !== 'mermaid' && opts.format !== 'dot')
          throw new InvalidInputError(`--format ${opts.format}: use mermaid or dot`);
        if (opts.live && opts.observed)
          throw new InvalidInputError('--live and --observed are two sources of counts: give one');
        const ctx = repoContext(io, opts.repo);
        const spec = await loadOrReport(io, ctx.repo);
        if (!spec?.desired) {
          setCode(EXIT.error);
          return;
        }
        if (opts.campaign && !spec.desired.campaigns.some((c) => c.name === opts.campaign)) {
          throw new InvalidInputError(
            `--campaign ${opts.campaign}: no such campaign (${spec.desired.campaigns.map((c) => c.name).join(', ')})`,
          );
        }
        let snapshot = opts.observed ? loadSnapshot(io, opts.observed) : undefined;
        if (opts.live) {
          const state = openState(
            ctx.root,
            spec.docs.config?.value,
            dataDirFlag(io, opts.dataDir),
            io.env,
          );
          try {
            snapshot = { ...emptySnapshot(), records: await state.store.submissions() };
          } finally {
            await state.close();
          }
        }
        io.stdout(
          renderGraph(spec.desired, opts.format, {
            ...(opts.campaign ? { campaign: opts.campaign } : {}),
            ...(snapshot ? { snapshot } : {}),
          }),
        );
        setCode(EXIT.ok);
      },
    );
}
