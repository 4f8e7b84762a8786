/** Plain-text tables for a terminal: columns padded to their widest cell, numbers right-aligned. */

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column === 0 || !/^[\d.+-]/.test(cell) ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

export function percent(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)}%` : '-';
}

/** Datagrams per second in thousands, e.g. "291.3k". */
export function thousands(value: number): string {
  return Number.isFinite(value) ? `${(value / 1000).toFixed(1)}k` : '-';
}
