/**
 * A scraper for the metrics endpoint: real HTTP, and a parser that checks the exposition as
 * Prometheus would (every sample under its family's TYPE, a family never split, `# EOF` last in
 * OpenMetrics) before it returns the samples as `name{label="value",...}` -> value.
 */
import { get } from 'node:http';
import type { ListenAddress } from '../../src/daemon/listen-address';

export interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export function scrape(address: ListenAddress, path = '/metrics', accept?: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const request = get({ host: address.host, port: address.port, path, headers: accept ? { accept } : {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', body }));
    });
    request.on('error', reject);
  });
}

export const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

/** The samples of an exposition, keyed as `name{a="1",b="2"}` with the labels in their order. */
export function parseExposition(body: string, format: 'openmetrics' | 'text'): Map<string, number> {
  const lines = body.split('\n');
  if (lines.pop() !== '') throw new Error('the exposition does not end with a newline');
  if (format === 'openmetrics' && lines.pop() !== '# EOF') throw new Error('OpenMetrics without # EOF at the end');
  const samples = new Map<string, number>();
  const seen = new Set<string>();
  let family: { name: string; type: string } | null = null;
  for (const line of lines) {
    const typeLine = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (typeLine) {
      const [, name = '', type = ''] = typeLine;
      if (seen.has(name)) throw new Error(`family ${name} appears twice`);
      if (format === 'openmetrics' && type === 'counter' && name.endsWith('_total')) throw new Error(`${name}: OpenMetrics types a counter without _total`);
      if (format === 'text' && type === 'counter' && !name.endsWith('_total')) throw new Error(`${name}: a counter without _total`);
      seen.add(name);
      family = { name, type };
      continue;
    }
    if (line.startsWith('# HELP ')) {
      if (line.split(' ')[2] !== family?.name) throw new Error(`HELP outside its family: ${line}`);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample: ${line}`);
    const [, name = '', labels = '', value = ''] = sample;
    const expected = family?.type === 'counter' && format === 'openmetrics' ? `${family.name}_total` : family?.name;
    if (name !== expected) throw new Error(`sample ${name} outside its family (${family?.name ?? 'none'})`);
    const key = `${name}${labels}`;
    if (samples.has(key)) throw new Error(`sample ${key} twice`);
    samples.set(key, Number(value));
  }
  return samples;
}
