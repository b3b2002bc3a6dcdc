import type { OpKind } from '../../core/planner/op.js';
import { learnRefusal, resolveScimDialect, unsupportedReason } from './scim-dialect.js';
import type { ScimDialect, ScimDialectLessons, ScimDialectSetting, ScimDialectWrite } from './scim-dialect.js';
import type { ScimCapabilities, ScimProviderCapabilities } from './scim-provider-capabilities.js';

/**
 * The dialect of one app as this process knows it: the connection's setting over `/ServiceProviderConfig` (read
 * once), plus what the app's refusals taught since. The lessons last as long as the target (the process).
 */
export class ScimDialectState {
  readonly #setting: ScimDialectSetting;
  readonly #capabilities: ScimProviderCapabilities;
  readonly #maxMembersPerPatch: number;
  readonly #displayUrl: string;
  #lessons: ScimDialectLessons = {};
  #resolved:
    | { readonly capabilities: ScimCapabilities; readonly lessons: ScimDialectLessons; readonly dialect: ScimDialect }
    | undefined;

  constructor(
    setting: ScimDialectSetting,
    capabilities: ScimProviderCapabilities,
    options: { readonly maxMembersPerPatch: number; readonly displayUrl: string },
  ) {
    this.#setting = setting;
    this.#capabilities = capabilities;
    this.#maxMembersPerPatch = options.maxMembersPerPatch;
    this.#displayUrl = options.displayUrl;
  }

  async get(): Promise<ScimDialect> {
    const capabilities = await this.#capabilities.get();
    // Asked before every write (and every create, for /Bulk): resolved again only when what it is made of changed.
    const cached = this.#resolved;
    if (cached !== undefined && cached.capabilities === capabilities && cached.lessons === this.#lessons) {
      return cached.dialect;
    }
    const dialect = resolveScimDialect({
      setting: this.#setting,
      capabilities,
      lessons: this.#lessons,
      maxMembersPerPatch: this.#maxMembersPerPatch,
      displayUrl: this.#displayUrl,
    });
    this.#resolved = { capabilities, lessons: this.#lessons, dialect };
    return dialect;
  }

  async unsupported(kind: OpKind): Promise<string | null> {
    return unsupportedReason(kind, await this.get());
  }

  /** The app refused the form `write` is sent in now (`answer`: its status and detail): move to the next one. */
  async learn(write: ScimDialectWrite, answer: string): Promise<ScimDialect> {
    this.#lessons = learnRefusal(await this.get(), this.#setting, this.#lessons, write, answer);
    return this.get();
  }

  /** The app refused `/Bulk` (false), or a bulk of more operations than `maxOperations` (413). */
  learnBulk(lesson: NonNullable<ScimDialectLessons['bulk']>): void {
    const before = this.#lessons.bulk;
    // Two bulks refused at once must not undo each other's lesson: the smaller limit (or none) stays.
    const merged =
      lesson === false || before === false
        ? false
        : { maxOperations: Math.min(lesson.maxOperations, before?.maxOperations ?? Infinity) };
    this.#lessons = { ...this.#lessons, bulk: merged };
  }

  /** The app refused `excludedAttributes`: group requests go without it from now on. */
  learnNoExcludedAttributes(): void {
    this.#lessons = { ...this.#lessons, excludeMembers: false };
  }
}
