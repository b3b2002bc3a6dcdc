import { explainTrip } from '../core/planner/explain-plan.js';
import { subjectLabel, type OpExplanation } from '../core/planner/explain-op.js';
import { OP_PHASES, type OpKind } from '../core/planner/op.js';
import type { GuardTrip, PlanCounts, PlanRejection } from '../core/planner/plan.js';

/** Ops listed per phase by default: a first sync of 100 000 people must not print 100 000 lines. */
export const DEFAULT_PLAN_LIMIT = 50;

/** Members named under a membership op before `+ N more`. */
const MEMBERS_SHOWN = 5;

/** The phases of a plan (`OP_PHASES`), as headings. */
const PHASE_TITLES: readonly string[] = [
  'people',
  'groups',
  'memberships added',
  'memberships removed',
  'deactivations',
  'groups deleted',
  'invites',
];

const VERBS: Readonly<Record<OpKind, readonly [marker: string, verb: string]>> = {
  'user.create': ['+', 'create'],
  'user.update': ['~', 'update'],
  'user.reactivate': ['+', 'reactivate'],
  'user.deactivate': ['-', 'deactivate'],
  'group.create': ['+', 'create group'],
  'group.rename': ['~', 'rename group'],
  'members.add': ['+', 'add'],
  'members.remove': ['-', 'remove'],
  'group.delete': ['-', 'delete group'],
  'invite.send': ['>', 'invite'],
};

const VERB_WIDTH = Math.max(...Object.values(VERBS).map(([, verb]) => verb.length));

/**
 * The plan for a person: ops grouped by phase in plan order, one line each naming the subject and why, e.g.
 * `  + create       ana@acme.com (Ana Lopez): active in Okta, not in the app`; membership ops list their
 * members on the next line (`bo@acme.com, cy@acme.com + 37 more`). `(no changes)` for an empty plan.
 * `limit` is how many ops are listed per phase (default `DEFAULT_PLAN_LIMIT`; `Infinity` for all); the rest
 * are counted. No trailing newline.
 */
export function formatPlan(explanations: readonly OpExplanation[], options: { limit?: number } = {}): string {
  if (explanations.length === 0) return '  (no changes)';
  const limit = options.limit ?? DEFAULT_PLAN_LIMIT;
  const phases = new Map<number, OpExplanation[]>();
  for (const explanation of explanations) {
    const phase = OP_PHASES[explanation.kind];
    const list = phases.get(phase) ?? [];
    list.push(explanation);
    phases.set(phase, list);
  }
  const lines: string[] = [];
  for (const [phase, list] of [...phases].sort(([a], [b]) => a - b)) {
    lines.push(`${PHASE_TITLES[phase] ?? `phase ${phase}`} (${formatCount(list.length)})`);
    for (const explanation of list.slice(0, Math.max(0, limit))) lines.push(...opLines(explanation));
    if (list.length > limit) {
      lines.push(`  … ${formatCount(list.length - limit)} more (\`dirsync plan --json\` lists every op)`);
    }
  }
  return lines.join('\n');
}

function opLines(explanation: OpExplanation): string[] {
  const [marker, verb] = VERBS[explanation.kind];
  const label = subjectLabel(explanation.subject);
  const n = formatCount(explanation.members?.length ?? 0);
  const object =
    explanation.kind === 'members.add'
      ? `${n} to ${label}`
      : explanation.kind === 'members.remove'
        ? `${n} from ${label}`
        : label;
  const lines = [`  ${marker} ${verb.padEnd(VERB_WIDTH)} ${object}: ${explanation.reason}`];
  if (explanation.members !== undefined && explanation.members.length > 0) {
    lines.push(`${' '.repeat(VERB_WIDTH + 5)}${memberList(explanation.members)}`);
  }
  return lines;
}

function memberList(members: readonly { readonly id: string; readonly login?: string }[]): string {
  const shown = members.slice(0, MEMBERS_SHOWN).map((member) => member.login ?? member.id);
  const rest = members.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} + ${formatCount(rest)} more` : shown.join(', ');
}

/** What `dirsync plan --json` prints (one document; `JSON.stringify` it). */
export interface PlanJson {
  readonly connection: string;
  /** The IdP source, as `status` shows it (no secrets). */
  readonly source: string;
  /** Whether the plan came from a full read of the directory. */
  readonly full: boolean;
  readonly ops: readonly OpExplanation[];
  readonly counts: PlanCounts;
  /** Set when the guards would hold the plan (exit 3): every trip, each with `explainTrip`'s line. */
  readonly held: { readonly trips: readonly (GuardTrip & { readonly message: string })[] } | null;
}

/** Builds the `plan --json` document from what the plan command already has. */
export function planJson(input: {
  readonly connection: string;
  readonly source: string;
  readonly full: boolean;
  readonly explanations: readonly OpExplanation[];
  readonly counts: PlanCounts;
  readonly rejected: PlanRejection | null;
}): PlanJson {
  return {
    connection: input.connection,
    source: input.source,
    full: input.full,
    ops: input.explanations,
    counts: input.counts,
    held:
      input.rejected === null
        ? null
        : { trips: input.rejected.trips.map((trip) => ({ ...trip, message: explainTrip(trip) })) },
  };
}

// Digits grouped by a space (`20 000`), the same on every machine whatever its locale.
function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
