// Row types of the tables in migrations/. SQL is snake_case; repositories map rows to camelCase models
// explicitly, both ways. Booleans are 0/1 integers and timestamps ISO-8601 text, the same on both dialects.

export interface ConnectionsTable {
  id: string;
  idp: string;
  source: string;
  last_full_read_at: string | null;
  created_at: string;
  updated_at: string;
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
  updated_at: string;
}

export interface IdpGroupsTable {
  connection_id: string;
  id: string;
  display_name: string;
  built_in: number;
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

export type OpStatus = 'pending' | 'applied' | 'failed' | 'skipped' | 'superseded';

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
}

export type InviteStatus = 'due' | 'sent';

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
  runs: RunsTable;
  connection_leases: ConnectionLeasesTable;
}
