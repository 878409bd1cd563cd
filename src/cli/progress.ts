import type { RunProgress } from '../engine/converge.js';
import type { StageStats } from '../engine/stats.js';

const WIDTH = 20;

function bar(done: number, total: number): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
}

export function stageLine(s: StageStats, withBar: boolean): string {
  const subs = `${s.located}/${s.submissions} located${s.failed ? `, ${s.failed} failed` : ''}`;
  const jobs = `jobs ${s.idle} idle ${s.running} running ${s.held} held ${s.completed} done${s.failedJobs ? ` ${s.failedJobs} failed` : ''}`;
  const head = `${s.stage.padEnd(10)}${withBar ? ` ${bar(s.located, s.submissions)}` : ''}`;
  return `${head} submissions ${subs.padEnd(22)} ${jobs.padEnd(53)} files ${s.files}`;
}

/** Live progress: bars redrawn in place on a terminal, plain lines on change otherwise. */
export function progressPrinter(
  write: (s: string) => void,
  tty: boolean,
): (p: RunProgress) => void {
  let drawn = 0;
  const last = new Map<string, string>();
  return (p) => {
    const lines = p.stats.map((s) => stageLine(s, tty));
    const failures = p.result.results.filter((r) => !r.ok);
    if (tty) {
      if (drawn) write(`\x1b[${drawn}A`);
      const body = [`pass ${p.pass}: ${p.result.plan.actions.length} action(s)`, ...lines];
      write(body.map((l) => `\x1b[2K${l}\n`).join(''));
      drawn = body.length;
      for (const f of failures) {
        write(`\x1b[2K  ! ${f.action.kind} ${f.action.key}: ${f.error}\n`);
        drawn = 0;
      }
      return;
    }
    p.stats.forEach((s, i) => {
      const key = `${s.campaign}/${s.stage}`;
      if (last.get(key) !== lines[i]) {
        write(`pass ${p.pass} ${s.campaign} ${lines[i]}\n`);
        last.set(key, lines[i]!);
      }
    });
    for (const f of failures)
      write(`pass ${p.pass} ! ${f.action.kind} ${f.action.key}: ${f.error}\n`);
  };
}
