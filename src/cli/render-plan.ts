import type { Action, Plan, StageSummary } from '../plan/types.js';
import { pushTo } from '../group.js';
import { commandLine } from '../desired/command-words.js';

export { commandLine };

export type PlanFormat = 'text' | 'json' | 'markdown';

export interface PlanHeader {
  revision: string | undefined;
  source: string;
}

/** Stable JSON: documented in README ("JSON plan"). */
export function planJson(plan: Plan, header: PlanHeader): string {
  return `${JSON.stringify({ version: 1, revision: header.revision ?? null, source: header.source, ...plan }, null, 2)}\n`;
}

const VERB: Record<Action['kind'], string> = {
  'mark-located': 'mark located',
  'mark-failed': 'mark failed',
  kill: 'KILL',
  hold: 'hold',
  release: 'release',
  launch: 'launch',
};

const SIGN: Record<Action['kind'], string> = {
  'mark-located': '~',
  'mark-failed': '~',
  kill: '!',
  hold: '=',
  release: '>',
  launch: '+',
};

function subject(a: Action): string {
  const rest = a.key.slice(a.campaign.length + 1);
  if (a.kind === 'hold' || a.kind === 'release' || a.kind === 'kill')
    return `${rest} (${a.jobs.length} job${a.jobs.length === 1 ? '' : 's'})`;
  return rest;
}

function summaryLine(plan: Plan): string {
  const c = plan.counts;
  const parts = [
    `${c.launch} to launch`,
    `${c.hold} to hold`,
    `${c.release} to release`,
    `${c.kill} to kill`,
  ];
  const marks = c['mark-located'] + c['mark-failed'];
  if (marks) parts.push(`${marks} to mark`);
  return parts.join(', ');
}

function killedJobs(plan: Plan): number {
  return plan.actions.reduce((n, a) => n + (a.kind === 'kill' ? a.jobs.length : 0), 0);
}

function groupByCampaign<T extends { campaign?: string }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = it.campaign ?? '(no campaign)';
    pushTo(m, k, it);
  }
  return m;
}

function counts(rec: Partial<Record<string, number>>): string {
  const e = Object.entries(rec).filter(([, n]) => n);
  return e.length ? e.map(([k, n]) => `${n} ${k}`).join(', ') : '-';
}

export function planText(plan: Plan, header: PlanHeader): string {
  const out: string[] = [];
  out.push(
    `Plan for ${header.source}${header.revision ? ` at ${header.revision.slice(0, 12)}` : ''} (${plan.now})`,
  );
  out.push(`${summaryLine(plan)}.`);
  const kills = killedJobs(plan);
  if (kills) out.push(`WARNING: this plan kills ${kills} job(s).`);
  for (const [campaign, actions] of groupByCampaign(plan.actions)) {
    out.push('', campaign);
    for (const a of actions) {
      out.push(`  ${SIGN[a.kind]} ${VERB[a.kind].padEnd(12)} ${subject(a)}`);
      out.push(`      ${a.reason}`);
      if (a.kind === 'launch') out.push(`      $ ${commandLine(a.command)}`);
    }
  }
  if (plan.notes.length) {
    out.push('', 'Waiting and notes:');
    for (const n of plan.notes) out.push(`  - [${n.kind}] ${n.message}`);
  }
  out.push('', stageTable(plan.stages, 'text'));
  return `${out.join('\n')}\n`;
}

function stageTable(stages: readonly StageSummary[], fmt: 'text' | 'markdown'): string {
  const rows = stages.map((s) => [
    s.campaign,
    s.stage,
    s.state,
    counts(s.submissions),
    counts(s.jobs),
    s.nextLaunch ?? '',
  ]);
  const head = ['campaign', 'stage', 'state', 'submissions', 'jobs', 'next launch'];
  if (fmt === 'markdown') {
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function planMarkdown(plan: Plan, header: PlanHeader): string {
  const out: string[] = [];
  out.push(
    `### gitpoms plan${header.revision ? ` for \`${header.revision.slice(0, 12)}\`` : ''}`,
    '',
  );
  const kills = killedJobs(plan);
  if (kills)
    out.push(
      `> [!CAUTION]`,
      `> **This change kills ${kills} job(s).** Review the kill actions below before merging.`,
      '',
    );
  out.push(`**${summaryLine(plan)}** (planned at ${plan.now})`, '');
  if (plan.actions.length) {
    out.push('| | action | submission | reason |', '|---|---|---|---|');
    for (const a of plan.actions) {
      const what = a.kind === 'kill' ? `**${VERB[a.kind]}**` : VERB[a.kind];
      const jobs = 'jobs' in a ? ` (${a.jobs.length} job${a.jobs.length === 1 ? '' : 's'})` : '';
      out.push(
        `| ${SIGN[a.kind]} | ${what} | \`${mdEscape(a.key)}\`${jobs} | ${mdEscape(a.reason)} |`,
      );
    }
    const launches = plan.actions.filter(
      (a): a is Extract<Action, { kind: 'launch' }> => a.kind === 'launch',
    );
    if (launches.length) {
      out.push('', '<details><summary>Launch commands</summary>', '', '```sh');
      for (const a of launches) out.push(`# ${a.key}`, commandLine(a.command));
      out.push('```', '', '</details>');
    }
  } else out.push('No changes.');
  if (plan.notes.length) {
    out.push('', '**Waiting and notes**', '');
    for (const n of plan.notes) out.push(`- \`${n.kind}\` ${mdEscape(n.message)}`);
  }
  out.push(
    '',
    '<details><summary>Stages</summary>',
    '',
    stageTable(plan.stages, 'markdown'),
    '',
    '</details>',
  );
  return `${out.join('\n')}\n`;
}

export function renderPlan(plan: Plan, header: PlanHeader, format: PlanFormat): string {
  if (format === 'json') return planJson(plan, header);
  if (format === 'markdown') return planMarkdown(plan, header);
  return planText(plan, header);
}
