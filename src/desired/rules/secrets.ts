import type { LoadedDocs } from '../load.js';
import { err, type Ctx } from './context.js';

export const SECRET_NAME = /(TOKEN|PASSWORD|PASSWD|SECRET|PRIVATE|CREDENTIAL|API_?KEY)/i;

/** Incoming-webhook URLs of chat services carry their credential in the path. */
export const CREDENTIAL_URL =
  /^https:\/\/(hooks\.slack\.com|discord(app)?\.com\/api\/webhooks|[^/]*\.webhook\.office\.com)\//;

/** A launch template's environment holds secrets by reference only. */
export function checkTemplateSecrets(ctx: Ctx, docs: LoadedDocs): void {
  for (const lt of docs.launchTemplates) {
    for (const [name, v] of Object.entries(lt.value.spec.environment ?? {})) {
      if (v && 'value' in v && SECRET_NAME.test(name)) {
        err(
          ctx,
          lt.doc,
          ['spec', 'environment', name, 'value'],
          'secret-in-git',
          `${name} looks like a secret; secrets are never written in the repository`,
          'reference it instead: fromEnv: VAR or fromFile: /path/on/the/launch/host',
        );
      }
    }
  }
}

export function checkNotifications(ctx: Ctx, docs: LoadedDocs): void {
  const config = docs.config;
  (config?.value.spec.notifications ?? []).forEach((n, i) => {
    if (typeof n.url === 'string' && CREDENTIAL_URL.test(n.url))
      err(
        ctx,
        config!.doc,
        ['spec', 'notifications', i, 'url'],
        'secret-in-git',
        'this webhook URL is itself a credential; secrets are never written in the repository',
        'reference it instead: url: { fromEnv: VAR } or url: { fromFile: /path/on/the/reconciler/host }',
      );
  });
}
