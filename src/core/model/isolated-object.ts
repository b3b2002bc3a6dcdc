import type { Isolation } from './directory-change.js';

/**
 * An IdP object one read isolated (DESIGN "Safety"): not synced, kept in the mirror as it last was, never
 * deactivated or deleted because of it. `id` is null for an object without any usable id, which can only be
 * counted.
 */
export interface IsolatedObject extends Isolation {
  readonly kind: 'user' | 'group';
  readonly id: string | null;
}
