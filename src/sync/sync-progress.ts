import type { OpKind } from '../core/planner/op.js';

/** What a long run reports as it goes; the CLI shows it on a TTY or as periodic log lines. */
export type SyncProgressEvent =
  | { readonly type: 'read.page'; readonly pages: number; readonly objects: number }
  | { readonly type: 'read.done'; readonly pages: number; readonly objects: number; readonly full: boolean }
  | { readonly type: 'plan.done'; readonly ops: number }
  | { readonly type: 'apply.op'; readonly done: number; readonly total: number; readonly kind: OpKind };

export type SyncProgress = (event: SyncProgressEvent) => void;
