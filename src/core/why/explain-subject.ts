import { explainGroup, type GroupExplanation } from './explain-group.js';
import { explainUser, type UserExplanation } from './explain-user.js';
import type { ExplainSubjectContext } from './subject-decision.js';
import type { SubjectEvidence } from './subject-evidence.js';

export type SubjectExplanation = UserExplanation | GroupExplanation;

/**
 * The evidence for one user or group in words (`dirsync why`): its records on both sides, the scope and mapping
 * decisions the planner takes for it, its ops with their runs and the app's answers, and a user's invite.
 */
export function explainSubject(evidence: SubjectEvidence, context: ExplainSubjectContext): SubjectExplanation {
  return evidence.type === 'user' ? explainUser(evidence, context) : explainGroup(evidence, context);
}
