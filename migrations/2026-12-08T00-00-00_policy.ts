import type { Kysely } from 'kysely';

// Frozen in time: never import application code here. The state of DESIGN "Policy":
// - idp_users.attributes, idp_groups.attributes: the IdP's attributes (Okta profile, Graph properties and
//   extension_* attributes) as JSON, so a policy change is planned from the mirror without reading the IdP again;
// - app_users.extra: the policy's extra SCIM attributes (mapping and role) as dirsync last wrote them, as JSON.
// NULL means none: rows from before this migration. The stored read cursors are dropped so that the next read of
// every connection is a full one, which fills in the attributes of people an incremental read would not revisit.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('idp_users').addColumn('attributes', 'text').execute();
  await db.schema.alterTable('idp_groups').addColumn('attributes', 'text').execute();
  await db.schema.alterTable('app_users').addColumn('extra', 'text').execute();
  await db.deleteFrom('cursors').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('app_users').dropColumn('extra').execute();
  await db.schema.alterTable('idp_groups').dropColumn('attributes').execute();
  await db.schema.alterTable('idp_users').dropColumn('attributes').execute();
}
