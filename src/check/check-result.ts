/**
 * One line of `dirsync check`: a dependency (or one permission of it) and whether dirsync can use it.
 *
 * `detail` says what was verified when `ok`, and what the operator should change when not. It never holds a
 * token, secret or password: URLs are shown without their user info.
 */
export interface CheckResult {
  /**
   * What was checked, e.g. `database`, `redis`, `okta users`, `okta groups`, `okta system log`, `okta app`,
   * `graph token`, `graph users`, `graph groups`, `sandbox file`, `scim ServiceProviderConfig`, `scim users`,
   * `jsonl file`, `smtp`.
   */
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export function passed(name: string, detail: string): CheckResult {
  return { name, ok: true, detail };
}

export function failed(name: string, detail: string): CheckResult {
  return { name, ok: false, detail };
}
