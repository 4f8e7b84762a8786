/**
 * The Debian package as a test handles it: built by packaging/deb/build-deb from this tree,
 * installed with dpkg -i, removed and purged. dpkg calls wait while another dpkg or apt holds the
 * lock (other jobs on a CI machine install packages too).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../helpers/poll';

const run = promisify(execFile);

/** From dist/test/package: the repository root. */
const REPO = resolve(__dirname, '..', '..', '..');
export const PACKAGE = 'carpd';

/** Why the package cannot be tested here, or null. */
export function debUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (dpkg -i)';
  for (const tool of ['dpkg-deb', 'dpkg-shlibdeps', 'pandoc', 'lintian', 'man', 'systemd-analyze', 'strip']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `needs ${tool} (.ci/run installs it)`;
    }
  }
  if (packageStatus() !== undefined) return `package ${PACKAGE} is on this machine already (${packageStatus()}); the test will not replace it`;
  if (existsSync('/etc/carp')) return 'this machine has an /etc/carp; the test will not install a package that owns it';
  return null;
}

/** dpkg's status of the package ("install ok installed", "deinstall ok config-files"); undefined if it is not there at all. */
export function packageStatus(): string | undefined {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', PACKAGE], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return status.endsWith(' not-installed') ? undefined : status;
  } catch {
    return undefined;
  }
}

/** Builds the package into `outDir`; its path. */
export async function buildDeb(outDir: string): Promise<string> {
  const { stdout } = await run(resolve(REPO, 'packaging', 'deb', 'build-deb'), [outDir], { cwd: REPO, timeout: 170_000 });
  return stdout.trim();
}

/** dpkg with these arguments, again while another process holds dpkg's lock. */
export async function dpkg(...args: string[]): Promise<string> {
  let output = '';
  await waitFor(
    `dpkg ${args.join(' ')}`,
    async () => {
      try {
        output = (await run('dpkg', args, { timeout: 120_000 })).stdout;
        return true;
      } catch (e: unknown) {
        const stderr = (e as { stderr?: string }).stderr ?? '';
        if (/lock/i.test(stderr)) return false;
        throw new Error(`dpkg ${args.join(' ')} failed: ${stderr}`);
      }
    },
    60_000,
    1000,
  );
  return output;
}

/** The paths dpkg lists for the installed package, and its conffiles. */
export async function packageFiles(): Promise<{ files: string[]; conffiles: string[] }> {
  const files = (await run('dpkg-query', ['-L', PACKAGE])).stdout.split('\n').filter((line) => line.startsWith('/'));
  const conffiles = (await run('dpkg-query', ['-W', '-f=${Conffiles}', PACKAGE])).stdout
    .split('\n')
    .map((line) => line.trim().split(' ')[0])
    .filter((path): path is string => path !== undefined && path.startsWith('/'));
  return { files, conffiles };
}

/** Removes and purges the package if dpkg knows it; for cleanup, so it never throws. */
export async function purgeQuietly(): Promise<void> {
  if (packageStatus() === undefined) return;
  try {
    await dpkg('--purge', PACKAGE);
  } catch (e: unknown) {
    console.error(`cleanup: ${(e as Error).message}`);
  }
}
