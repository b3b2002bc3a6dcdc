import type { Generated } from 'kysely';

// Row types of the tables in migrations/. SQL is snake_case; repositories map rows to camelCase models
// explicitly, both ways. Booleans are 0/1 integers and timestamps ISO-8601 text, the same on both dialects.

export interface ConnectionsTable {
  id: string;
  idp: string;
  source: string;
  last_full_read_at: string | null;
  created_at: string;
  updated_at: string;
  /** Runs in a row that failed as DESIGN "Quarantine" counts them; reset by a successful run. */
  failing_runs: Generated<number>;
  /** How many quarantines in a row (picks the backoff: 1 h, 6 h, 24 h); reset by a successful run or `resume`. */
  quarantine_level: Generated<number>;
  quarantined_until: string | null;
  quarantine_reason: string | null;
  /** Bumped by database triggers on every write to app state, invites, the outbox and held plans (migration noop-basis). */
  state_revision: Generated<number>;
  /**
   * The part of state_revision made by the writes of the run holding the connection's lease (migration run-writes):
   * state_revision − run_revision counts everyone else's.
   */
  run_revision: Generated<number>;
  /** Digest of the settings of the last run that left nothing for a run of no change to do; NULL: the next run plans. */
  noop_basis: string | null;
  /** The state revision at that run's end. */
  noop_revision: number | null;
}

export interface IdpUsersTable {
  connection_id: string;
  id: string;
  user_name: string;
  email: string;
  given_name: string;
  family_name: string;
  display_name: string;
  active: number;
  status: string;
  /** The IdP's attributes as JSON (`IdpAttributes`); NULL: none known (rows from before the policy migration). */
  attributes: string | null;
  updated_at: string;
}

export interface IdpGroupsTable {
  connection_id: string;
  id: string;
  display_name: string;
  built_in: number;
  /** As `idp_users.attributes`. */
  attributes: string | null;
  updated_at: string;
}

export interface IdpMembershipsTable {
  connection_id: string;
  group_id: string;
  member_id: string;
}

export interface CursorsTable {
  connection_id: string;
  name: string;
  value: string;
  updated_at: string;
}

export interface AppUsersTable {
  connection_id: string;
  external_id: string;
  app_id: string;
  user_name: string;
  email: string;
  given_name: string;
  family_name: string;
  display_name: string;
  active: number;
  origin: string;
  revision: number;
  /** The policy's extra attributes dirsync last wrote, as JSON (`ExtraAttributes`); NULL: none. */
  extra: string | null;
  updated_at: string;
}

export interface AppGroupsTable {
  connection_id: string;
  external_id: string;
  app_id: string;
  display_name: string;
  revision: number;
  updated_at: string;
}

export interface AppMembershipsTable {
  connection_id: string;
  group_external_id: string;
  user_external_id: string;
}

/**
 * `held`: waits for an operator (`hold` says why; `approve <op-key>` sets `approved_at`). `failed`: retried on a
 * later run once `next_attempt_at` has passed. `parked`: failed `DIRSYNC_MAX_OP_ATTEMPTS` times; waits for its
 * subject to change in the IdP or `retry`. `unsupported`: the app cannot perform it; work for a person.
 */
export type OpStatus = 'pending' | 'applied' | 'failed' | 'skipped' | 'superseded' | 'held' | 'parked' | 'unsupported';

export interface OpsTable {
  id: string;
  connection_id: string;
  run_id: string;
  key: string;
  kind: string;
  subject: string;
  position: number;
  payload: string;
  status: OpStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  /** JSON `OpHold` while the op is held (status `held`), kept after approval for the record. */
  hold: string | null;
  approved_at: string | null;
  /** Failed attempts of this op (a lost answer that was looked up is not a failure). */
  failures: Generated<number>;
  /** A failed op is not attempted again before this time. */
  next_attempt_at: string | null;
}

/** `not-invited`: never sent; `due`: a send is owed (`send_number`, `send_kind`); `sent`; `accepted` (joined). */
export type InviteStatus = 'not-invited' | 'due' | 'sent' | 'accepted';

export interface InvitesTable {
  connection_id: string;
  user_external_id: string;
  email: string;
  display_name: string;
  status: InviteStatus;
  message_id: string | null;
  attempts: number;
  created_at: string;
  sent_at: string | null;
  /** Sends the mail server accepted. */
  sends: number;
  /** The number of the send that is due, or of the last one sent. */
  send_number: number;
  send_kind: string;
  /** The admin's note for the due send (`invites resend --message`). */
  note: string | null;
  last_sent_at: string | null;
  accepted_at: string | null;
  /** Reminders among the sends. */
  reminders: number;
}

/** One send the mail server accepted: the history `why` shows and `INVITE_MAX_PER_MINUTE` counts. */
export interface InviteSendsTable {
  connection_id: string;
  user_external_id: string;
  send_number: number;
  kind: string;
  email: string;
  message_id: string | null;
  note: string | null;
  attempts: number;
  sent_at: string;
}

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'held' | 'stopped';

export interface RunsTable {
  id: string;
  connection_id: string;
  trigger: string;
  mode: string;
  dry_run: number;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  summary: string | null;
  error: string | null;
}

/**
 * The run holding a connection, one row per connection (see ConnectionLeaseRepository). `expires_at_ms` is epoch
 * milliseconds by the database's clock; a bigint column, which pg returns as a string.
 */
export interface ConnectionLeasesTable {
  connection_id: string;
  run_id: string;
  owner: string;
  acquired_at: string;
  expires_at_ms: number | string;
  renewed_at: string;
}

export type HeldPlanStatus = 'held' | 'approved' | 'rejected' | 'applied' | 'superseded';

/** A plan a guard or a source anomaly held (DESIGN "Held plans and approvals"). JSON columns are text. */
export interface HeldPlansTable {
  /** Short, typeable, unique: `p-` and 6 characters of Crockford base32. */
  id: string;
  connection_id: string;
  run_id: string;
  status: HeldPlanStatus;
  /** JSON `HoldReason[]`. */
  reasons: string;
  /** JSON `PlanCounts`. */
  counts: string;
  /** JSON `Op[]` (empty for a source anomaly: the read was held before planning). */
  ops: string;
  /** JSON `string[]`: the destructive atoms an approval covers (see `destructive-atoms.ts`). */
  destructive: string;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
  /** The run that applied it once approved. */
  applied_run_id: string | null;
  updated_at: string;
}

export type IsolatedObjectKind = 'user' | 'group';

/** An IdP object the last read could not take, kept in the mirror as it last was (DESIGN "Safety"). */
export interface IsolatedObjectsTable {
  connection_id: string;
  kind: IsolatedObjectKind;
  id: string;
  reason: string;
  run_id: string;
  first_seen_at: string;
  last_seen_at: string;
}

export interface Database {
  connections: ConnectionsTable;
  idp_users: IdpUsersTable;
  idp_groups: IdpGroupsTable;
  idp_memberships: IdpMembershipsTable;
  cursors: CursorsTable;
  app_users: AppUsersTable;
  app_groups: AppGroupsTable;
  app_memberships: AppMembershipsTable;
  ops: OpsTable;
  invites: InvitesTable;
  invite_sends: InviteSendsTable;
  runs: RunsTable;
  connection_leases: ConnectionLeasesTable;
  held_plans: HeldPlansTable;
  isolated_objects: IsolatedObjectsTable;
}
