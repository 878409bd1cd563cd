// Who runs what, for status and the dashboard: the replicas with the age of their last
// heartbeat, and each campaign's owner (its unit's lease holder) with its token and the time left.
import { isLeaseStore } from '../adapters/store/types.js';

export interface ReplicaView {
  replicas: Array<{ id: string; host?: string; pid?: number; heartbeatAgeSeconds: number }>;
  /** Each campaign's owner: the holder of its unit's lease (the unit is named when not the campaign). */
  owners: Map<string, { owner: string; unit?: string; token: number; leftSeconds: number }>;
}

/** Undefined for a store no replicas share, or one no replica has joined. */
export async function replicaView(store: object): Promise<ReplicaView | undefined> {
  if (!isLeaseStore(store)) return undefined;
  const [r, l] = [await store.replicas(), await store.leases()];
  if (!r.replicas.length && !l.leases.length) return undefined;
  const live = new Map(l.leases.filter((x) => x.expiresAt > l.now).map((x) => [x.unit, x]));
  return {
    replicas: r.replicas.map((x) => ({
      id: x.id,
      ...(x.host !== undefined ? { host: x.host } : {}),
      ...(x.pid !== undefined ? { pid: x.pid } : {}),
      heartbeatAgeSeconds: Math.max(0, (r.now - x.heartbeatAt) / 1000),
    })),
    owners: new Map(
      l.members.flatMap((m) => {
        const x = live.get(m.unit);
        if (!x) return [];
        return [
          [
            m.campaign,
            {
              owner: x.owner,
              ...(m.unit !== m.campaign ? { unit: m.unit } : {}),
              token: Math.max(x.token, m.token),
              leftSeconds: (x.expiresAt - l.now) / 1000,
            },
          ],
        ];
      }),
    ),
  };
}

/** The lines `gitpoms status` prints about them. */
export function replicaLines(v: ReplicaView, campaigns: readonly string[]): string {
  const reps = v.replicas.map(
    (r) =>
      `${r.id}${r.host ? ` on ${r.host}` : ''}${r.pid ? ` (pid ${r.pid})` : ''}, heartbeat ${r.heartbeatAgeSeconds.toFixed(1)} s ago`,
  );
  const owners = campaigns.map((c) => {
    const o = v.owners.get(c);
    return `${c}: ${o ? `${o.owner} (${o.unit ? `${o.unit}, ` : ''}token ${o.token}, ${o.leftSeconds.toFixed(1)} s left)` : 'no owner'}`;
  });
  return `replicas: ${reps.join('; ') || 'none'}\nowners: ${owners.join('; ')}\n`;
}
