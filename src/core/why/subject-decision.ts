import type { Directory } from '../model/directory.js';
import type { Policy } from '../policy/policy.js';

/** What explaining a subject needs besides its evidence: how to name the IdP and the rules the planner applies. */
export interface ExplainSubjectContext {
  /** `Okta`, `Entra ID`, `the sandbox directory`. */
  readonly idpName: string;
  /** `okta`, `graph`, `sandbox`: where each mapped attribute comes from. */
  readonly idpKind: string;
  /** The connection's policy, which the planner applies. */
  readonly policy: Policy;
  /**
   * The whole mirrored directory, when the caller loaded it: needed for the decisions that depend on other objects
   * (nested groups flattened, "members of pushed groups only"). Absent: the subject's own slice (its direct groups
   * or members) stands for it.
   */
  readonly directory?: Directory;
}

/** One decision the planner takes about a subject, with its reason and whether the app already agrees. Plain JSON. */
export interface SubjectDecision {
  /** `scope`, `active`, a mapped attribute (`userName`, `email`, …), `membership`, `name`, `members`. */
  readonly topic: string;
  /** The reason and the decision: `active in Okta (ACTIVE) → should be active in the app`. */
  readonly text: string;
  /** What the app holds for it, as far as dirsync knows: `active`, `ana@acme.com`, `not in the app`; null: moot. */
  readonly app: string | null;
  /** Whether the app agrees with the decision (false: a change is due, or failing); null: nothing to compare. */
  readonly inStep: boolean | null;
  /** The group a `membership` decision is about. */
  readonly group?: { readonly id: string; readonly displayName: string };
}
