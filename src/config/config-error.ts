/** A configuration problem the operator must fix; exit code 2. The message names every bad variable or field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
