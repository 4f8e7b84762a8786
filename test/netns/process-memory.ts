/** Resident memory of a process, sampled from /proc: how a soak test tells growth from noise. */
import { readFile } from 'node:fs/promises';

/** VmRSS of `pid` in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  return (await residentSplit(pid)).vmRss;
}

/**
 * /proc/PID/status's resident memory in bytes: all of it (VmRSS), its anonymous (private heap,
 * stacks) and file-backed parts (the pages of the executable and libraries, shared with every other
 * process mapping them). VmRSS = RssAnon + RssFile + RssShmem.
 */
export interface ResidentSplit {
  readonly vmRss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
}

export async function residentSplit(pid: number): Promise<ResidentSplit> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const kib = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
    if (kib === undefined) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(kib) * 1024;
  };
  return { vmRss: field('VmRSS'), rssAnon: field('RssAnon'), rssFile: field('RssFile') };
}
