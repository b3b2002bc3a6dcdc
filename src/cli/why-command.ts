import { assertMigrated, openDatabase } from '../app.js';
import { selectConnection } from '../config/connection-registry.js';
import { IDP_DISPLAY_NAMES } from '../config/describe-connection.js';
import { subjectLabel } from '../core/planner/explain-op.js';
import type { HeldIdentity } from '../core/planner/op-hold.js';
import type { ExplainedStoredOp } from '../core/why/explain-stored-op.js';
import type { GroupExplanation } from '../core/why/explain-group.js';
import { explainSubject, type SubjectExplanation } from '../core/why/explain-subject.js';
import type { UserExplanation } from '../core/why/explain-user.js';
import type { SubjectDecision } from '../core/why/subject-decision.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { EvidenceRepository } from '../store/evidence-repository.js';
import { MirrorRepository } from '../store/mirror-repository.js';
import type { SubjectCandidate } from '../store/subject-finder.js';
import type { CliContext } from './cli-context.js';

/**
 * `dirsync why [-c ID] <user-or-group> [--json]`: the evidence for one user or group — its IdP record as mirrored,
 * the scope and mapping decisions, every op with its run, attempts and the app's answers, and its invite. Exit 0;
 * 2 when the query names nothing, or several subjects (they are listed with their ids).
 */
export async function whyCommand(
  context: CliContext,
  query: string,
  options: { readonly connection?: string | undefined; readonly json: boolean },
): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const connection = selectConnection(registry, options.connection);
  const database = openDatabase(service);
  try {
    await assertMigrated(database);
    const evidence = EvidenceRepository.for(database.db, connection.id);
    const candidates = await evidence.find(query);
    const [only, ...more] = candidates;
    if (only === undefined || more.length > 0) {
      const message =
        only === undefined
          ? `no user or group "${query}" in connection ${connection.id} (looked for an id, login, e-mail or display name, in the mirror and in the app): check the spelling, or run \`dirsync sync -c ${connection.id}\` if it is new in the IdP`
          : `"${query}" names ${candidates.length} subjects in connection ${connection.id}; run \`dirsync why -c ${connection.id} <id>\` with one of these ids:`;
      if (options.json) {
        context.out.write(
          `${JSON.stringify({ connection: connection.id, query, error: message, candidates }, null, 2)}\n`,
        );
      }
      context.err.write(
        `dirsync: ${message}\n${candidates.map((candidate) => `  ${candidateLine(candidate)}\n`).join('')}`,
      );
      return EXIT.config;
    }
    const found = only.type === 'user' ? await evidence.user(only.id) : await evidence.group(only.id);
    const explanation = explainSubject(found, {
      idpName: IDP_DISPLAY_NAMES[connection.idp.kind],
      idpKind: connection.idp.kind,
      policy: connection.policy,
      // The whole mirror: nested groups and "members of pushed groups only" depend on more than the subject's slice.
      directory: await new MirrorRepository(database.db).loadDirectory(connection.id),
    });
    if (options.json) {
      context.out.write(
        `${JSON.stringify({ connection: connection.id, query, matchedBy: only.matchedBy, ...explanation }, null, 2)}\n`,
      );
    } else {
      context.out.write(formatExplanation(explanation, connection.id, only.matchedBy));
    }
    return EXIT.ok;
  } finally {
    await database.db.destroy();
  }
}

function candidateLine(candidate: SubjectCandidate): string {
  const login = candidate.userName === null || candidate.userName === '' ? undefined : candidate.userName;
  const displayName = candidate.displayName === '' ? undefined : candidate.displayName;
  const label = subjectLabel({
    id: candidate.id,
    type: candidate.type,
    ...(login === undefined ? {} : { login }),
    ...(displayName === undefined ? {} : { displayName }),
  });
  const where = candidate.foundIn === 'mirror' ? '' : ` in the ${candidate.foundIn}`;
  return `${candidate.type.padEnd(5)}  ${candidate.id}  ${label}  (matched by ${candidate.matchedBy}${where})`;
}

function formatExplanation(explanation: SubjectExplanation, connectionId: string, matchedBy: string): string {
  const lines = [
    `why ${explanation.label} — ${explanation.type} ${explanation.id} of connection ${connectionId} (matched by ${matchedBy})`,
    '',
    ...(explanation.type === 'user' ? userRecords(explanation) : groupRecords(explanation)),
    '',
    'decisions',
    ...explanation.decisions.map(decisionLine),
    '',
    'ops (newest last)',
    ...(explanation.ops.length === 0 ? ['  none'] : explanation.ops.flatMap(opLines)),
  ];
  if (explanation.type === 'user') {
    lines.push(
      '',
      'invites',
      ...(explanation.invites.length === 0
        ? [`  ${explanation.noInvite ?? 'none'}`]
        : explanation.invites.map((invite) => `  ${invite.text}`)),
    );
  }
  return `${lines.join('\n')}\n`;
}

function userRecords(explanation: UserExplanation): string[] {
  const { idp, app } = explanation;
  const lines = [
    idp === null
      ? `IdP record: none — not in ${explanation.idpName} any more (deleted, or no longer assigned)`
      : `IdP record (${explanation.idpName}, as mirrored; last read ${idp.seenAt})`,
  ];
  if (idp !== null) {
    lines.push(
      field('status', `${idp.status} (${idp.active ? 'active' : 'not active'})`),
      ...attributeFields(idp),
      field('groups', groupList(idp.groups)),
    );
  }
  lines.push(
    app === null
      ? 'app record: none — dirsync has not created or adopted this user'
      : `app record (as dirsync knows it; last changed ${app.updatedAt})`,
  );
  if (app !== null) {
    lines.push(
      field('app id', app.appId),
      field('active', app.active ? 'yes' : 'no'),
      field('origin', app.origin === 'adopted' ? 'adopted (existed in the app)' : 'created by dirsync'),
      ...attributeFields(app),
      field('groups', groupList(app.groups)),
    );
  }
  return lines;
}

function groupRecords(explanation: GroupExplanation): string[] {
  const { idp, app } = explanation;
  const lines = [
    idp === null
      ? `IdP record: none — not in ${explanation.idpName} any more`
      : `IdP record (${explanation.idpName}, as mirrored; last read ${idp.seenAt})`,
  ];
  if (idp !== null) {
    const { users, activeUsers, others } = idp.members;
    lines.push(
      field('name', idp.displayName),
      field('built-in', idp.builtIn ? 'yes' : 'no'),
      field(
        'members',
        `${users + others} direct: ${users} user(s), ${activeUsers} active${others > 0 ? `; ${others} not users` : ''}`,
      ),
    );
  }
  lines.push(
    app === null
      ? 'app record: none — dirsync has not created or adopted this group'
      : `app record (as dirsync knows it; last changed ${app.updatedAt})`,
  );
  if (app !== null) {
    lines.push(field('app id', app.appId), field('name', app.displayName), field('members', String(app.members)));
  }
  return lines;
}

function attributeFields(user: {
  readonly userName: string;
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly displayName: string;
}): string[] {
  return [
    field('login', user.userName),
    field('email', user.email),
    field('given name', user.givenName),
    field('family name', user.familyName),
    field('display name', user.displayName),
  ];
}

function groupList(groups: readonly { readonly displayName: string }[]): string {
  return groups.length === 0 ? 'none' : groups.map((group) => `"${group.displayName}"`).join(', ');
}

function field(name: string, value: string): string {
  return `  ${name.padEnd(13)} ${value}`;
}

function decisionLine(decision: SubjectDecision): string {
  if (decision.app === null) return `  - ${decision.text}`;
  const verdict = decision.inStep === null ? '' : decision.inStep ? ' (in step)' : ' (differs)';
  return `  - ${decision.text}; app: ${decision.app}${verdict}`;
}

function opLines(op: ExplainedStoredOp): string[] {
  const attempts = op.attempts === 1 ? '1 attempt' : `${op.attempts} attempts`;
  const run = op.run;
  const lines = [
    `  ${op.when}  ${op.kind}  ${op.status}, ${attempts}: ${op.title}`,
    run === null
      ? '      run: unknown (its record is gone)'
      : `      run ${run.id} (${run.trigger}, ${run.mode}, started ${run.startedAt}, ${run.status})`,
  ];
  if (op.answer !== null) lines.push(`      the app answered: ${op.answer}`);
  if (op.note !== null) lines.push(`      note: ${op.note}`);
  if (op.hold !== null) {
    lines.push(
      `      held (${op.hold.reason}): ${op.hold.message}`,
      `      incoming: ${identityText(op.hold.incoming)}`,
      `      existing: ${identityText(op.hold.existing)}`,
      `      next: ${op.hold.next}`,
    );
  }
  return lines;
}

/** One side of a hold: `login alice@acme.com, e-mail …, "Alice Old", app user 7f3c, IdP 00u1, inactive`. */
function identityText(identity: HeldIdentity): string {
  return [
    `login ${identity.userName}`,
    ...(identity.email === '' || identity.email === identity.userName ? [] : [`e-mail ${identity.email}`]),
    ...(identity.displayName === '' ? [] : [`"${identity.displayName}"`]),
    ...(identity.appId === null ? [] : [`app user ${identity.appId}`]),
    `IdP ${identity.externalId ?? 'none'}`,
    identity.active ? 'active' : 'inactive',
  ].join(', ');
}
