/**
 * Where carpd listens and carpctl connects: one rule for both programs, so that CARPD_SOCKET set in
 * a unit file or a shell points both at the same socket.
 */

export const DEFAULT_CONTROL_SOCKET = '/run/carpd.sock';
export const CONTROL_SOCKET_ENV = 'CARPD_SOCKET';

/** An explicit path (`--socket`) wins, then CARPD_SOCKET if set and not empty, then the default. */
export function controlSocketPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) return explicit;
  const fromEnv = env[CONTROL_SOCKET_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CONTROL_SOCKET;
}
