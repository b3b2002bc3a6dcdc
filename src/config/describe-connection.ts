import type { ConnectionConfig, IdpConfig, TargetConfig } from './connection-config.js';
import { describeSchedule } from './sync-schedule.js';

/** What may be shown of a connection (`connections`, `status`, logs): never a token, secret or password. */
export interface ConnectionDescription {
  readonly id: string;
  readonly idp: string;
  readonly idpSource: string;
  readonly target: string;
  readonly invites: string;
  readonly schedule: string;
  readonly origin: string;
}

export function describeConnection(connection: ConnectionConfig): ConnectionDescription {
  return {
    id: connection.id,
    idp: connection.idp.kind,
    idpSource: describeIdp(connection.idp),
    target: describeTarget(connection.target),
    invites:
      connection.invites.mode === 'off'
        ? `off (${connection.invites.reason})`
        : `smtp ${withoutUserInfo(connection.invites.smtpUrl)} from ${connection.invites.from}`,
    schedule: describeSchedule(connection.schedule),
    origin: connection.origin,
  };
}

/** How plans, summaries and `why` name the IdP in a reason: `SUSPENDED in Okta`, `disabled in Entra ID`. */
export const IDP_DISPLAY_NAMES: Readonly<Record<IdpConfig['kind'], string>> = {
  okta: 'Okta',
  graph: 'Entra ID',
  sandbox: 'the sandbox directory',
};

export function describeIdp(idp: IdpConfig): string {
  switch (idp.kind) {
    case 'sandbox':
      return idp.file === undefined ? 'the bundled sample directory' : idp.file;
    case 'okta':
      return `${idp.okta.orgUrl}${idp.okta.appId === undefined ? '' : ` (app ${idp.okta.appId})`}`;
    case 'graph':
      return `tenant ${idp.graph.tenantId} at ${new URL(idp.graph.graphBaseUrl).host}`;
  }
}

export function describeTarget(target: TargetConfig): string {
  return target.kind === 'scim' ? `scim ${withoutUserInfo(target.url)}` : `jsonl ${target.path}`;
}

function withoutUserInfo(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}
