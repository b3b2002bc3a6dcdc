import { USER_ATTRIBUTE_NAMES, type UserAttributeName } from '../model/directory-user.js';
import type { HeldIdentity, OpHoldReason } from '../planner/op-hold.js';
import { payloadField, payloadRecord, payloadString, payloadStrings } from './op-payload.js';
import type { OpRecord, RunReference } from './subject-evidence.js';

/** An outbox row in words, as `why` shows it. Plain JSON. */
export interface ExplainedStoredOp {
  /** When it last changed: applied, failed, attempted or re-planned. */
  readonly when: string;
  readonly kind: string;
  readonly key: string;
  readonly status: string;
  readonly attempts: number;
  /** What it does, seen from the subject: `create ana@acme.com, active`, `add to "Sales"`, `remove 2 members: …`. */
  readonly title: string;
  readonly run: RunReference | null;
  /** The app's answer to a failed op (its SCIM `detail`, the HTTP status). */
  readonly answer: string | null;
  /** Why an op that did not fail was not done (`skipped`: "invites are off; the invite stays due"). */
  readonly note: string | null;
  /** A held op: both identities, why, and how it goes on. Null for an op that was never held. */
  readonly hold: ExplainedHold | null;
}

/** Why an op waits for a person (DESIGN "Adoption"), as `why` shows it. Plain JSON. */
export interface ExplainedHold {
  readonly reason: OpHoldReason;
  /** One sentence naming both identities. */
  readonly message: string;
  /** The person the op is for, from the IdP. */
  readonly incoming: HeldIdentity;
  /** The account the app already has (or another person of the same plan) that it would take over or be taken for. */
  readonly existing: HeldIdentity;
  /** When an operator approved it; null while it waits. */
  readonly approvedAt: string | null;
  /** What happens next: `approve with dirsync approve <key> to go ahead`, or that the next run goes ahead. */
  readonly next: string;
}

/** How the op names others: a group by its display name, a user by login (see `subjectLabel`). */
export interface StoredOpNames {
  /** `"Sales"`, or the id when no state knows the group. */
  group(id: string): string;
  /** `ana@acme.com`, or the id when no state knows the user. */
  user(id: string): string;
}

// A group op's member list is cut after this many names: the count says the rest.
const MEMBERS_SHOWN = 5;

/**
 * Explains one stored op for `why`. `subject` says whose evidence this is: a membership op reads "add to "Sales""
 * in a person's evidence and "add 3 members: …" in the group's. Never throws: a payload it cannot read (a row
 * from another version) falls back to the kind.
 */
export function explainStoredOp(op: OpRecord, subject: 'user' | 'group', names: StoredOpNames): ExplainedStoredOp {
  return {
    when: op.updatedAt,
    kind: op.kind,
    key: op.key,
    status: op.status,
    attempts: op.attempts,
    title: titleOf(op, subject, names),
    run: op.run,
    answer: op.status === 'failed' ? (op.lastError ?? 'no answer recorded') : null,
    // A held op's `lastError` is its hold's message, shown with the hold.
    note: op.status === 'failed' || isHeld(op) ? null : op.lastError,
    hold: holdOf(op),
  };
}

function isHeld(op: OpRecord): boolean {
  return op.hold !== undefined && op.hold !== null;
}

function holdOf(op: OpRecord): ExplainedHold | null {
  const hold = op.hold;
  if (hold === undefined || hold === null) return null;
  const approvedAt = op.approvedAt ?? null;
  const next =
    approvedAt === null
      ? op.status === 'held'
        ? `waits for a person: \`dirsync approve ${op.key}\` lets the next run go ahead (adopting the existing account)`
        : `not approved; now ${op.status}`
      : op.status === 'applied'
        ? `approved at ${approvedAt}, then applied`
        : `approved at ${approvedAt}: the next run goes ahead`;
  return { ...hold, approvedAt, next };
}

function titleOf(op: OpRecord, subject: 'user' | 'group', names: StoredOpNames): string {
  const payload = op.payload;
  switch (op.kind) {
    case 'user.create': {
      const attributes = payloadRecord(payload, 'attributes');
      const login = payloadString(attributes, 'userName');
      const invite = payloadField(payload, 'invite') === true ? ', then invite' : '';
      return `create${login === undefined ? '' : ` ${login}`}, active${invite}`;
    }
    case 'user.update':
      return `update ${changesText(payloadRecord(payload, 'changes'))}`;
    case 'user.reactivate': {
      const changes = payloadRecord(payload, 'changes');
      const changed = changes === undefined || Object.keys(changes).length === 0 ? '' : `; ${changesText(changes)}`;
      return `reactivate (active: true)${changed}`;
    }
    case 'user.deactivate':
      return 'deactivate (active: false; the person’s data stays in the app)';
    case 'invite.send':
      return 'send the invite';
    case 'group.create':
      return `create group ${quotedOr(payloadString(payload, 'displayName'), 'in the app')}`;
    case 'group.rename':
      return `rename to ${quotedOr(payloadString(payload, 'displayName'), '?')}`;
    case 'group.delete':
      return 'delete the group';
    case 'members.add':
    case 'members.remove': {
      const adding = op.kind === 'members.add';
      if (subject === 'user') {
        const group = payloadString(payload, 'groupExternalId');
        const name = group === undefined ? 'a group' : names.group(group);
        return adding ? `add to ${name}` : `remove from ${name}`;
      }
      const ids = payloadStrings(payload, 'userExternalIds');
      return `${adding ? 'add' : 'remove'} ${membersText(ids, names)}`;
    }
    default:
      return op.kind;
  }
}

const ATTRIBUTE_LABELS: Readonly<Record<UserAttributeName, string>> = {
  userName: 'login',
  email: 'email',
  givenName: 'given name',
  familyName: 'family name',
  displayName: 'display name',
};

/** `email → ana@new.example, display name → "Ana L."`: the values the op writes. */
function changesText(changes: Readonly<Record<string, unknown>> | undefined): string {
  const parts: string[] = [];
  for (const name of USER_ATTRIBUTE_NAMES) {
    const value = payloadString(changes, name);
    if (value === undefined) continue;
    const shown = name === 'userName' || name === 'email' ? value : `"${value}"`;
    parts.push(`${ATTRIBUTE_LABELS[name]} → ${shown}`);
  }
  return parts.length === 0 ? 'attributes' : parts.join(', ');
}

function membersText(ids: readonly string[], names: StoredOpNames): string {
  const count = ids.length === 1 ? '1 member' : `${ids.length} members`;
  if (ids.length === 0) return count;
  const shown = ids.slice(0, MEMBERS_SHOWN).map((id) => names.user(id));
  const more = ids.length > MEMBERS_SHOWN ? ` and ${ids.length - MEMBERS_SHOWN} more` : '';
  return `${count}: ${shown.join(', ')}${more}`;
}

function quotedOr(text: string | undefined, fallback: string): string {
  return text === undefined ? fallback : `"${text}"`;
}
