import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  expandTaskString,
  jobState,
  parseJobcomp,
  parseSacct,
  slurmDuration,
  parseSqueueJson,
  type SlurmRecord,
} from './parse.js';

const fixture = (f: string) =>
  readFileSync(new URL(`./__fixtures__/${f}`, import.meta.url), 'utf8');
const brief = (records: SlurmRecord[]) =>
  records
    .map((r) => {
      const s = jobState(r);
      const exit = s.exitCode !== undefined ? ` ${s.exitCode}` : '';
      return `${r.id} ${s.state}${exit}${s.heldReason ? ` (${s.heldReason})` : ''} ${r.comment}`;
    })
    .sort();

describe('Slurm output parsers', () => {
  it('squeue --json of Slurm 22.05, recorded on this machine: array tasks, held remainder, cancel, signal', () => {
    expect(brief(parseSqueueJson(fixture('squeue-22.05-mixed.json')))).toEqual([
      '1_0 completed 0 gitpoms:x:a/b/c#1',
      '1_1 completed 1 gitpoms:x:a/b/c#1',
      '1_2 completed 2 gitpoms:x:a/b/c#1',
      '4_0 held (JobHeldUser) gitpoms:fx:c/s/held#1',
      '4_1 held (JobHeldUser) gitpoms:fx:c/s/held#1',
      '4_2 held (JobHeldUser) gitpoms:fx:c/s/held#1',
      '4_3 held (JobHeldUser) gitpoms:fx:c/s/held#1',
      '5 removed 143 gitpoms:fx:c/s/run#1',
      '6 completed 137 gitpoms:fx:c/s/sig#1',
    ]);
    const task = parseSqueueJson(fixture('squeue-22.05-mixed.json')).find((r) => r.id === '1_1')!;
    expect(task).toMatchObject({ jobId: 3, node: 'vm', start: 1795630301, end: 1795630301 });
  });

  it('the Slurm ≥ 23.02 shape: job_state an array, numbers as {set, infinite, number}, exit_code an object', () => {
    expect(brief(parseSqueueJson(fixture('squeue-23.11-shape.json')))).toEqual([
      '40_1 completed 3 gitpoms:fx:c/s/arr#1',
      '40_2 idle gitpoms:fx:c/s/arr#1',
      '40_3 idle gitpoms:fx:c/s/arr#1',
      '42 running gitpoms:fx:c/s/one#1',
    ]);
    const running = parseSqueueJson(fixture('squeue-23.11-shape.json')).find((r) => r.id === '42')!;
    expect(running.end).toBeUndefined();
  });

  it('jobcomp/filetxt lines (finished jobs after slurmctld forgets them), recorded on this machine', () => {
    const records = parseJobcomp(fixture('jobcomp-22.05.txt'));
    expect(brief(records)).toContain('1_1 completed 1 ');
    expect(brief(records)).toContain('1_0 completed 0 ');
    expect(records.find((r) => r.id === '1_2')).toMatchObject({
      jobId: 1,
      exit: { code: 2, signal: 0 },
      node: 'vm',
      start: Date.parse('2026-11-25T18:11:41Z') / 1000,
    });
  });

  it('sacct -P -n of Slurm 22.05 with slurmdbd, recorded on this machine', () => {
    const records = parseSacct(fixture('sacct-parsable.txt'));
    // Steps (".batch") are skipped: their job's line has them.
    expect(brief(records)).toEqual([
      '10_0 completed 0 ',
      '10_1 completed 3 ',
      '10_2 completed 137 ',
      '11 removed 0 ',
      '12_0 idle ',
      '12_1 idle ',
      '12_2 idle ',
      '12_3 idle ',
      // Exits 128 and 200: accounting keeps them modulo 128.
      '13_0 completed 1 ',
      '13_1 completed 72 ',
      '14 completed 0 ',
      '15 running ',
    ]);
    expect(records.find((r) => r.id === '11')).toMatchObject({ state: 'CANCELLED', jobId: 11 });
    expect(records.find((r) => r.id === '11')?.node).toBeUndefined();
    expect(records.find((r) => r.id === '15')).toMatchObject({
      node: 'vm',
      start: Date.parse('2026-12-01T18:59:33Z') / 1000,
    });
    expect(records.find((r) => r.id === '15')?.end).toBeUndefined();
    // The job that spun for 3 s: its CPU time is its steps' (TotalCPU), its wall time Elapsed.
    expect(records.find((r) => r.id === '14')).toMatchObject({ cpu: 2.811, elapsed: 3 });
    expect(records.find((r) => r.id === '10_1')).toMatchObject({ cpu: 0.002, elapsed: 0 });
    expect(() => parseSacct('Slurm accounting storage is disabled\n')).toThrow(
      /sacct printed a line that is not JobID,JobIDRaw/,
    );
  });

  it("reads Slurm's durations: TotalCPU with its fraction, Elapsed with days", () => {
    expect(slurmDuration('00:01.234')).toBeCloseTo(1.234);
    expect(slurmDuration('02:03')).toBe(123);
    expect(slurmDuration('01:02:03')).toBe(3723);
    expect(slurmDuration('1-02:03:04')).toBe(93784);
    expect(slurmDuration('12-00:00:00')).toBe(12 * 86400);
    for (const v of ['', 'INVALID', 'Unknown', '1:2:3:4', undefined])
      expect(slurmDuration(v), String(v)).toBeUndefined();
  });

  it('refuses output that is not squeue JSON, and reports squeue errors', () => {
    expect(() =>
      parseSqueueJson('slurm_load_jobs error: Unable to contact slurm controller'),
    ).toThrow(/not JSON: slurm_load_jobs error/);
    expect(() => parseSqueueJson('{"errors":[]}')).toThrow(/no "jobs" list/);
    expect(() => parseSqueueJson('{"jobs":[],"errors":[{"error":"x"}]}')).toThrow(
      /squeue reported errors/,
    );
  });

  it.each([
    ['0-3', [0, 1, 2, 3]],
    ['3,5-7', [3, 5, 6, 7]],
    ['0-9%2', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ['0-8:4', [0, 4, 8]],
  ])('array task string %s', (s, ids) => {
    expect(expandTaskString(s)).toEqual(ids);
  });
});
