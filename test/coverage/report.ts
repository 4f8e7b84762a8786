/**
 * `npm run coverage`: line coverage of the unit tests per folder of src/, from c8's json-summary,
 * with a floor for the folders that must not be reachable by root-only tests alone.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

/** Folders whose line coverage by unprivileged tests may not fall below this (percent). */
const FLOORS: Readonly<Record<string, number>> = { 'src/daemon': 85, 'src/relay': 85 };

interface Totals {
  readonly lines: { readonly total: number; readonly covered: number };
}

const root = resolve(__dirname, '..', '..', '..');
const summary = JSON.parse(readFileSync(resolve(root, 'coverage', 'coverage-summary.json'), 'utf8')) as Record<string, Totals>;
const folders = new Map<string, { total: number; covered: number }>();
for (const [file, totals] of Object.entries(summary)) {
  if (file === 'total') continue;
  const path = relative(root, file);
  const folder = path.split('/').slice(0, 2).join('/');
  const sum = folders.get(folder) ?? { total: 0, covered: 0 };
  sum.total += totals.lines.total;
  sum.covered += totals.lines.covered;
  folders.set(folder, sum);
}
let failed = false;
for (const [folder, { total, covered }] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  const percent = total === 0 ? 100 : (100 * covered) / total;
  const floor = FLOORS[folder];
  const verdict = floor === undefined ? '' : percent >= floor ? `  (floor ${floor} %: met)` : `  (floor ${floor} %: NOT MET)`;
  if (floor !== undefined && percent < floor) failed = true;
  process.stdout.write(`${folder.padEnd(14)} ${percent.toFixed(1).padStart(5)} % of ${total} lines${verdict}\n`);
}
process.exitCode = failed ? 1 : 0;
