/**
 * Where test/fixtures lives. Compiled tests run from dist/test/wire (npm test) or from an outDir
 * outside the repository, so the directory is searched upwards from this file, from its TypeScript
 * source (named in the source map tsc writes next to it), and from the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findUpwards(start: string, relative: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) return undefined;
  }
}

function sourceDirectory(): string | undefined {
  try {
    const map = JSON.parse(readFileSync(`${__filename}.map`, 'utf8')) as { sources?: unknown };
    const source: unknown = Array.isArray(map.sources) ? map.sources[0] : undefined;
    return typeof source === 'string' ? dirname(resolve(__dirname, source)) : undefined;
  } catch {
    return undefined; // no source map (run from sources, or maps turned off): the other places remain
  }
}

export function fixturePath(...parts: string[]): string {
  const relative = join('test', 'fixtures', ...parts);
  const starts = [__dirname, sourceDirectory(), process.cwd()].filter((dir): dir is string => dir !== undefined);
  for (const start of starts) {
    const found = findUpwards(start, relative);
    if (found !== undefined) return found;
  }
  throw new Error(`fixture ${relative} not found above ${starts.join(', ')}`);
}
