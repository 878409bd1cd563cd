import { request } from 'undici';
import type { Logger } from 'pino';
import type { DesiredState, Notification, SubmissionRecord } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import type { ActionResult } from './apply.js';
import { resolveSecret } from '../secrets.js';

export type EventKind = NonNullable<Notification['events']>[number];

export interface NotifyEvent {
  kind: EventKind;
  at: string;
  message: string;
  campaign?: string;
  stage?: string;
  key?: string;
  revision?: string;
}

/** What the previous pass knew, so events fire on transitions only. */
export interface EventMemory {
  completeStages: Set<string>;
  completeCampaigns: Set<string>;
  gated: Set<string>;
  /** False until the first pass has been seen: completions that existed at start are not news. */
  primed: boolean;
}

export function freshMemory(): EventMemory {
  return {
    completeStages: new Set(),
    completeCampaigns: new Set(),
    gated: new Set(),
    primed: false,
  };
}

/**
 * A stage is complete when it has located submissions and nothing else is wanted or in
 * flight: no launch planned, no submission idle, running, held, completed-but-unjudged or
 * launching, and no note saying it waits for something.
 */
function completeStages(desired: DesiredState, p: Plan, records: readonly SubmissionRecord[]) {
  const busy = new Set<string>();
  for (const a of p.actions) busy.add(`${a.campaign}/${a.stage}`);
  for (const n of p.notes)
    if (
      n.campaign &&
      n.stage &&
      (n.kind === 'waiting' || n.kind === 'gated' || n.kind === 'schedule')
    )
      busy.add(`${n.campaign}/${n.stage}`);
  for (const r of records) if (r.status === 'launching') busy.add(`${r.campaign}/${r.stage}`);
  const out = new Set<string>();
  for (const s of p.stages) {
    const id = `${s.campaign}/${s.stage}`;
    const subs = s.submissions;
    const inFlight =
      (subs.idle ?? 0) +
      (subs.running ?? 0) +
      (subs.held ?? 0) +
      (subs.completed ?? 0) +
      (subs.unknown ?? 0);
    if (!busy.has(id) && inFlight === 0 && (subs.located ?? 0) > 0) out.add(id);
  }
  const campaigns = new Set(
    desired.campaigns
      .filter((c) => c.stages.every((s) => out.has(`${c.name}/${s.name}`)))
      .map((c) => c.name),
  );
  return { stages: out, campaigns };
}

/** The events one pass produced, given what the previous pass knew; updates `memory`. */
export function passEvents(
  memory: EventMemory,
  desired: DesiredState,
  p: Plan,
  results: readonly ActionResult[],
  records: readonly SubmissionRecord[],
  revision: string | undefined,
): NotifyEvent[] {
  const at = p.now;
  const base = { at, ...(revision ? { revision } : {}) };
  const events: NotifyEvent[] = [];
  for (const r of results) {
    const a = r.action;
    if (!r.ok || (a.kind !== 'mark-located' && a.kind !== 'mark-failed')) continue;
    const located = a.kind === 'mark-located';
    events.push({
      kind: located ? 'submission-located' : 'submission-failed',
      ...base,
      campaign: a.campaign,
      stage: a.stage,
      key: a.key,
      message: `${a.key} ${located ? 'is located' : 'failed'}: ${a.reason}`,
    });
  }
  const done = completeStages(desired, p, records);
  if (memory.primed) {
    for (const id of done.stages) {
      if (memory.completeStages.has(id)) continue;
      const [campaign, stage] = id.split('/') as [string, string];
      events.push({
        kind: 'stage-complete',
        ...base,
        campaign,
        stage,
        message: `stage ${id} is complete`,
      });
    }
    for (const c of done.campaigns) {
      if (!memory.completeCampaigns.has(c))
        events.push({
          kind: 'campaign-complete',
          ...base,
          campaign: c,
          message: `campaign ${c} is complete`,
        });
    }
  }
  const gated = new Set<string>();
  for (const n of p.notes) {
    if (n.kind !== 'gated' || !n.campaign) continue;
    const id = `${n.campaign}/${n.stage ?? ''}`;
    gated.add(id);
    if (!memory.gated.has(id))
      events.push({
        kind: 'gate-closed',
        ...base,
        campaign: n.campaign,
        ...(n.stage ? { stage: n.stage } : {}),
        message: n.message,
      });
  }
  memory.completeStages = done.stages;
  memory.completeCampaigns = done.campaigns;
  memory.gated = gated;
  memory.primed = true;
  return events;
}

interface Target {
  url: string;
  format: 'json' | 'slack';
  events: ReadonlySet<EventKind>;
  timeoutMs: number;
}

/**
 * Posts events to webhooks. Delivery never fails or delays a pass beyond the target's
 * timeout; a failed delivery is logged (without the URL, which may be a credential).
 */
export class Notifier {
  private readonly targets: Target[];

  constructor(
    config: readonly Notification[],
    env: Readonly<Record<string, string | undefined>>,
    private readonly log: Logger,
  ) {
    this.targets = config.map((n, i) => ({
      url: typeof n.url === 'string' ? n.url : resolveSecret(n.url, env, `notifications[${i}].url`),
      format: n.format ?? 'json',
      events: new Set(n.events ?? ALL_EVENTS),
      timeoutMs: (n.timeoutSeconds ?? 10) * 1000,
    }));
  }

  async send(events: readonly NotifyEvent[]): Promise<void> {
    await Promise.all(
      this.targets.map(async (t, i) => {
        for (const e of events.filter((x) => t.events.has(x.kind))) {
          const body =
            t.format === 'slack'
              ? {
                  text: `gitpoms ${e.kind}: ${e.message}${e.revision ? ` (revision ${e.revision.slice(0, 12)})` : ''}`,
                }
              : { source: 'gitpoms', ...e };
          try {
            const res = await request(t.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
              headersTimeout: t.timeoutMs,
              bodyTimeout: t.timeoutMs,
              signal: AbortSignal.timeout(t.timeoutMs),
            });
            await res.body.dump();
            if (res.statusCode >= 300)
              this.log.warn(
                { target: i, event: e.kind, status: res.statusCode },
                'notification refused',
              );
          } catch (err) {
            this.log.warn(
              { target: i, event: e.kind, err: (err as Error).message.replaceAll(t.url, '<url>') },
              'notification not delivered',
            );
          }
        }
      }),
    );
  }
}

export const ALL_EVENTS: readonly EventKind[] = [
  'submission-located',
  'submission-failed',
  'stage-complete',
  'campaign-complete',
  'invalid-revision',
  'gate-closed',
];
