/**
 * Reads a stored op's payload (its JSON, as the outbox keeps it) field by field: a row written by another version
 * of dirsync still shows, with what it has.
 */
export function payloadField(payload: unknown, name: string): unknown {
  return isRecord(payload) ? payload[name] : undefined;
}

export function payloadRecord(payload: unknown, name: string): Readonly<Record<string, unknown>> | undefined {
  const value = payloadField(payload, name);
  return isRecord(value) ? value : undefined;
}

export function payloadString(payload: unknown, name: string): string | undefined {
  const value = payloadField(payload, name);
  return typeof value === 'string' ? value : undefined;
}

/** The strings of an array field (a membership op's `userExternalIds`); empty when there is none. */
export function payloadStrings(payload: unknown, name: string): string[] {
  const value = payloadField(payload, name);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
