/** Resident memory of a process, sampled from /proc: how a soak test tells growth from noise. */
import { readFile } from 'node:fs/promises';

/** VmRSS of `pid` in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}
