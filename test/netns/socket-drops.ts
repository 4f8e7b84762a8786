/**
 * Frames the kernel dropped because a process's packet sockets were full (sk_drops, shown by
 * `ss -m` as the `d` of skmem): what a flood may cost without the process ever seeing it.
 */
import type { CarpLab } from './carp-lab';

/** The drops of every packet socket that `pid` holds in the namespace of `host`. */
export async function socketDrops(lab: CarpLab, host: string, pid: number): Promise<number> {
  const { stdout } = await lab.net.exec(host, 'ss', ['-0', '-a', '-m', '-p', '-n']);
  let drops = 0;
  // One block per socket: a line with its process, then its skmem on the next.
  for (const block of stdout.split(/\n(?=p_)/)) {
    if (!block.includes(`pid=${pid},`)) continue;
    const counted = /skmem:\(.*\bd(\d+)\)/.exec(block)?.[1];
    if (counted === undefined) throw new Error(`no drop count for a socket of ${pid} in:\n${block}`);
    drops += Number(counted);
  }
  return drops;
}
