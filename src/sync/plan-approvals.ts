import type { Kysely } from 'kysely';
import { destructiveAtoms, isCoveredBy } from '../core/planner/destructive-atoms.js';
import { holdIdentity, type HoldReason } from '../core/planner/hold-reason.js';
import type { Op } from '../core/planner/op.js';
import { countOps } from '../core/planner/plan.js';
import type { Database } from '../store/database.js';
import { HeldPlanRepository, type HeldPlan } from '../store/held-plan-repository.js';

/**
 * The held plans of one connection as a run meets them (DESIGN "Held plans and approvals"): a hold is stored
 * under a short id (the same id while the same hold recurs), an operator's approval lets the next run through
 * when its destructive part is the approved one or less, and whatever a run made obsolete is closed.
 */
export class PlanApprovals {
  readonly #plans: HeldPlanRepository;

  constructor(
    db: Kysely<Database>,
    private readonly connectionId: string,
  ) {
    this.#plans = new HeldPlanRepository(db);
  }

  /** The approved anomaly hold that lets this run's read through the source-anomaly check, if any. */
  async approvedAnomaly(): Promise<HeldPlan | undefined> {
    const approved = await this.#plans.list(this.connectionId, ['approved']);
    return approved.find((plan) => plan.reasons.every((reason) => reason.kind === 'source-anomaly'));
  }

  /** The approved guard hold covering `ops` (their destructive atoms are the approved ones or fewer), if any. */
  async approvalCovering(ops: readonly Op[]): Promise<HeldPlan | undefined> {
    const atoms = destructiveAtoms(ops);
    const approved = await this.#plans.list(this.connectionId, ['approved']);
    return approved.find(
      (plan) => plan.reasons.some((reason) => reason.kind === 'guard') && isCoveredBy(atoms, new Set(plan.destructive)),
    );
  }

  /**
   * Stores this run's hold: the held plan of the same reasons and destructive part keeps its id (refreshed with
   * this run's ops), otherwise a new id. Every other held or approved plan of the connection is superseded: the
   * directory moved on from them, and an approval of what is no longer planned must not linger.
   */
  async hold(runId: string, reasons: readonly HoldReason[], ops: readonly Op[], now: string): Promise<HeldPlan> {
    const destructive = destructiveAtoms(ops);
    const identity = holdIdentity(reasons, destructive);
    const plan = { connectionId: this.connectionId, runId, reasons, counts: countOps(ops), ops, destructive };
    const same = (await this.#plans.list(this.connectionId, ['held'])).find(
      (held) => holdIdentity(held.reasons, held.destructive) === identity,
    );
    const stored =
      same === undefined ? await this.#plans.create(plan, now) : await this.#plans.refresh(same.id, plan, now);
    await this.#plans.decideAll(this.connectionId, 'held', 'superseded', now, stored.id);
    await this.#plans.decideAll(this.connectionId, 'approved', 'superseded', now);
    return stored;
  }

  /** The approval was used: `applied` by this run. */
  async consume(plan: HeldPlan, runId: string, now: string): Promise<void> {
    await this.#plans.decide(plan.id, 'approved', 'applied', { appliedRunId: runId }, now);
  }

  /**
   * A run that planned without a hold (or with `--allow-mass-deactivation`) closes the connection's open holds
   * and unused approvals (except `keep`): they describe a directory that no longer is.
   */
  async closeObsolete(now: string, keep: string | null = null): Promise<void> {
    await this.#plans.decideAll(this.connectionId, 'held', 'superseded', now);
    await this.#plans.decideAll(this.connectionId, 'approved', 'superseded', now, keep);
  }
}
