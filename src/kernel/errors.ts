/**
 * The one error type of src/kernel/. `code` is the errno name the kernel answered with ("EEXIST",
 * "ENODEV", ...), "EINVAL" when our own caller's request was refused before it reached the kernel,
 * or "EIPROUTE2" when an `ip` command failed (its message is quoted); the message names the
 * operation and its object (interface, address, setting).
 */
import { getSystemErrorMap } from 'node:util';

export class KernelError extends Error {
  override readonly name = 'KernelError';

  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** `errno` is positive (netlink carries it negated): "addAddress carp0 10.0.0.1/24: EEXIST (file already exists)". */
export function errnoError(operation: string, errno: number): KernelError {
  const [code, description] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
  return new KernelError(code, `${operation}: ${code} (${description})`);
}

export function invalidArgument(operation: string, reason: string): KernelError {
  return new KernelError('EINVAL', `${operation}: ${reason}`);
}

/** A change of several steps failed part way: `applied` lists the steps that took effect first. */
export class IncompleteChangeError<Step> extends KernelError {
  constructor(
    readonly applied: readonly Step[],
    failure: KernelError,
  ) {
    super(failure.code, failure.message, { cause: failure });
  }
}
