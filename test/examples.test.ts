// The example repository's campaigns, resolved and planned: what a new user sees first.
// Planner unit tests use builders; this file keeps those builders true to the YAML.
import { describe, expect, it } from 'vitest';
import { plan } from '../src/plan/plan.js';
import { NOW, sbndDesired } from './helpers/build.js';
import { emptyObserved, exampleDesired } from './helpers/fixtures.js';

describe('the example campaigns', () => {
  it('resolve the SBND chain exactly as the builders the planner tests use', () => {
    const d = exampleDesired();
    const built = sbndDesired();
    expect(d.campaigns.filter((c) => c.name === 'sbnd-mcc-test-1')).toEqual(built.campaigns);
    expect(d.jobTypes.filter((j) => j.experiment === 'sbnd')).toEqual(built.jobTypes);
    expect(d.launchTemplates.filter((t) => t.experiment === 'sbnd')).toEqual(built.launchTemplates);
    expect(d.services.filter((s) => s.experiment === 'sbnd')).toEqual(built.services);
    expect(d.defaults).toEqual(built.defaults);
  });

  it('run a submission script with its arguments (DUNE)', () => {
    const p = plan(exampleDesired(), emptyObserved(), [], NOW);
    const dune = p.actions.find(
      (a) => a.kind === 'launch' && a.campaign === 'mcc9-protodune-beam-cosmics-p3gev',
    );
    expect(dune?.kind === 'launch' && dune.command).toEqual([
      'campaigns/dune/scripts/mcc9_submit.sh',
      'ProtoDUNE_beam_3GeV_cosmics_3ms.xml',
      'detsim',
    ]);
  });

  it('plan in a total order, the same every time: campaign, stage, key', () => {
    const p = plan(exampleDesired(), emptyObserved(), [], NOW);
    const keys = p.actions.map((a) => a.key);
    expect(keys).toEqual([...keys].sort((a, b) => a.localeCompare(b)));
    const again = plan(exampleDesired(), emptyObserved(), [], NOW);
    expect(again).toEqual(p);
  });
});
