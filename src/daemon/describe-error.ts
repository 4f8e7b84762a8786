/** An error as one line for a log message: its message, or what was thrown if not an Error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
