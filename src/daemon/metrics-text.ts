/**
 * The two text formats Prometheus scrapes: OpenMetrics 1.0 (asked for in the Accept header;
 * counters are typed by their family name and sampled as `NAME_total`, and `# EOF` ends the
 * exposition) and the older text format 0.0.4 (counters typed by `NAME_total`, no end marker).
 * The samples are the same in both, so queries do not depend on the format a scraper negotiated.
 */

export type MetricType = 'counter' | 'gauge';

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  /** Without `_total`, which counters' samples get. */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly Sample[];
}

export type MetricsFormat = 'openmetrics' | 'text';

export const CONTENT_TYPES: Readonly<Record<MetricsFormat, string>> = {
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
  text: 'text/plain; version=0.0.4; charset=utf-8',
};

/** OpenMetrics when the scraper accepts it (Prometheus asks for it first), else the text format. */
export function negotiateFormat(accept: string | undefined): MetricsFormat {
  return accept?.includes('application/openmetrics-text') ? 'openmetrics' : 'text';
}

export function renderMetrics(families: readonly MetricFamily[], format: MetricsFormat): string {
  const lines: string[] = [];
  for (const family of families) {
    const sampleName = family.type === 'counter' ? `${family.name}_total` : family.name;
    const typedName = format === 'openmetrics' ? family.name : sampleName;
    lines.push(`# TYPE ${typedName} ${family.type}`, `# HELP ${typedName} ${escapeHelp(family.help, format)}`);
    for (const sample of family.samples) lines.push(`${sampleName}${renderLabels(sample.labels)} ${renderValue(sample.value)}`);
  }
  if (format === 'openmetrics') lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function renderLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

/** Both formats escape backslash, double quote and newline in label values. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** OpenMetrics escapes a double quote in HELP as well; the text format would show the backslash. */
function escapeHelp(text: string, format: MetricsFormat): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}
