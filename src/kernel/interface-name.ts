/**
 * Interface names as Linux accepts them (net/core/dev.c dev_valid_name): 1-15 bytes, not "." or
 * "..", and no '/', ':' or whitespace. Checking first keeps a bad name from becoming a path under
 * /proc/sys or an argument the kernel rejects with a vaguer error.
 */
import { invalidArgument } from './errors';

/** IFNAMSIZ is 16 including the terminating NUL. */
const MAX_NAME_BYTES = 15;

export function checkInterfaceName(operation: string, name: string): void {
  const bytes = Buffer.byteLength(name);
  const valid =
    bytes >= 1 && bytes <= MAX_NAME_BYTES && name !== '.' && name !== '..' && !/[/:\s\0]/.test(name);
  if (!valid) {
    throw invalidArgument(
      operation,
      `${JSON.stringify(name)} is not an interface name (1-${MAX_NAME_BYTES} bytes, not "." or "..", no '/', ':' or whitespace)`,
    );
  }
}
