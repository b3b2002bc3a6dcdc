/** DESIGN "CLI": what each exit code means to a script or a scheduler. */
export const EXIT = {
  ok: 0,
  /** Some ops failed (they are listed); the rest was applied. */
  opsFailed: 1,
  /** Configuration or connection error: fix the named variable or service. */
  config: 2,
  /** A guard held the plan; nothing was applied. */
  held: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
