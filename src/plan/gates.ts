import { CronExpressionParser } from 'cron-parser';
import type {
  DesiredState,
  Observed,
  ResolvedCampaign,
  ResolvedStage,
  SubmissionRecord,
} from '../model/index.js';

/** Why a campaign's launches are held by the site: the global switch or a failed service. */
export function launchGate(
  desired: DesiredState,
  observed: Observed,
  campaign: ResolvedCampaign,
): string | undefined {
  if (desired.defaults.launches === 'held') return 'job launches are held globally';
  for (const svc of desired.services) {
    if (!svc.gatesLaunches || svc.experiment !== campaign.experiment) continue;
    if (svc.campaigns && !svc.campaigns.includes(campaign.name)) continue;
    if (observed.services[svc.name] === 'failed') return `service ${svc.name} is failed`;
  }
  return undefined;
}

/** Whether the stage's cron schedule allows a launch now, and when the next tick is. */
export function scheduleGate(
  now: Date,
  stage: ResolvedStage,
  stageRecords: readonly SubmissionRecord[],
): { open: boolean; next?: string } {
  if (!stage.schedule) return { open: true };
  const cron = () => CronExpressionParser.parse(stage.schedule!, { currentDate: now, tz: 'UTC' });
  const prev = cron().prev().getTime();
  const next = cron().next().toISOString() ?? 'unknown';
  return { open: !stageRecords.some((r) => Date.parse(r.launchedAt) >= prev), next };
}
