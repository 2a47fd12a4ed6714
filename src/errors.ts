/**
 * One family of typed errors. `code` is stable and machine-readable; it is mapped to an HTTP
 * status in server/error-map.ts and to an exit code in cli/exit.ts, nowhere else.
 */
export class WaveError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WaveError';
    this.code = code;
    this.details = details;
  }
}

/** Normalises anything thrown into an Error (catch clauses receive `unknown`). */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

export function errorMessage(value: unknown): string {
  return coerceError(value).message;
}
