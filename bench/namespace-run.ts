/**
 * Runs a program inside one of the lab's namespaces and hands back its exit code and output
 * whatever they are: iperf3 -J reports its errors as JSON on stdout with a non-zero exit, and
 * those reports are the useful part of a failure.
 */
import { execFile } from 'node:child_process';
import type { NetnsLab } from '../test/helpers/netns';

interface ProgramOutput {
  /** null when the program was killed (timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runInNamespace(net: NetnsLab, namespace: string, file: string, args: readonly string[], timeoutMs: number): Promise<ProgramOutput> {
  return new Promise((done) => {
    execFile('ip', ['netns', 'exec', net.ns(namespace), file, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      done({ code, stdout, stderr });
    });
  });
}

/** A one-line description of a failed run, for an error message. */
export function describeFailure(what: string, output: ProgramOutput): string {
  const detail = output.stderr.trim() || output.stdout.trim().slice(0, 500);
  return `${what} exited ${output.code ?? 'by a signal (timeout)'}: ${detail}`;
}
