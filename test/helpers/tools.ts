/**
 * The packet decoders used as independent checks of our frames: tcpdump and tshark, run on pcap
 * files. Tests skip, with the reason, when a tool is not installed (CI installs both).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type DecoderTool = 'tcpdump' | 'tshark';

/** True when `tool` runs here; the answer is looked up once per process. */
const availability = new Map<DecoderTool, boolean>();
export function toolAvailable(tool: DecoderTool): boolean {
  let available = availability.get(tool);
  if (available === undefined) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    }
    availability.set(tool, available);
  }
  return available;
}

/** Runs the tool and returns its standard output; a non-zero exit rejects with its stderr. */
export async function runTool(tool: DecoderTool, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(tool, [...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e: unknown) {
    const stderr = typeof e === 'object' && e !== null && 'stderr' in e ? String(e.stderr) : '';
    throw new Error(`${tool} ${args.join(' ')} failed: ${e instanceof Error ? e.message : String(e)} ${stderr}`);
  }
}
