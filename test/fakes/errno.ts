/**
 * The errors of failed system calls, shaped as the addon throws them (native/errors.cc):
 * "<interface>: <syscall>: <strerror text> (<hint>)" with errno, code and syscall, as a
 * NativeSystemError. Only the errnos the fakes produce are listed, with Linux's numbers and texts
 * (os.constants.errno lacks EBADFD, and libuv's descriptions are not strerror's).
 */
import { NativeSystemError } from '../../src/native/binding';

const ERRNO = {
  EPERM: [1, 'Operation not permitted'],
  EIO: [5, 'Input/output error'],
  ENXIO: [6, 'No such device or address'],
  EBADF: [9, 'Bad file descriptor'],
  EAGAIN: [11, 'Resource temporarily unavailable'],
  EBUSY: [16, 'Device or resource busy'],
  EEXIST: [17, 'File exists'],
  ENODEV: [19, 'No such device'],
  EINVAL: [22, 'Invalid argument'],
  EBADFD: [77, 'File descriptor in bad state'],
  EMSGSIZE: [90, 'Message too long'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ENETDOWN: [100, 'Network is down'],
  ENOBUFS: [105, 'No buffer space available'],
} as const satisfies Record<string, readonly [number, string]>;

export type Errno = keyof typeof ERRNO;

export function errnoNumber(code: Errno): number {
  return ERRNO[code][0];
}

export function systemError(subject: string, syscall: string, code: Errno, hint = ''): NativeSystemError {
  const [errno, text] = ERRNO[code];
  const message = `${subject}: ${syscall}: ${text}${hint === '' ? '' : ` (${hint})`}`;
  return new NativeSystemError(message, errno, code, syscall);
}
