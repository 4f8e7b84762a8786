/**
 * The metrics endpoint: `GET /metrics` over plain HTTP on the address of `--metrics`, for
 * Prometheus and its kin. Read-only and computed on each request from what the daemon holds, so a
 * scrape costs one pass over the counters. A scraper is not trusted: requests must be complete
 * within a few seconds and few connections are served at once, so a slow client cannot pile up.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './listen-address';
import { CONTENT_TYPES, type MetricFamily, negotiateFormat, renderMetrics } from './metrics-text';

export const METRICS_PATH = '/metrics';
const MAX_CONNECTIONS = 16;
const REQUEST_TIMEOUT_MS = 5000;

export interface MetricsEndpoint {
  /** Where it listens, with the port the kernel chose for port 0. */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

/** Listens, or fails (EADDRINUSE, EADDRNOTAVAIL, EACCES) before anything is served. */
export function startMetricsServer(address: ListenAddress, families: () => readonly MetricFamily[]): Promise<MetricsEndpoint> {
  return MetricsServer.start(address, families);
}

class MetricsServer implements MetricsEndpoint {
  private constructor(
    private readonly server: Server,
    readonly address: ListenAddress,
  ) {}

  static async start(address: ListenAddress, families: () => readonly MetricFamily[]): Promise<MetricsServer> {
    const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, (request, response) =>
      answer(request, response, families),
    );
    server.maxConnections = MAX_CONNECTIONS;
    server.keepAliveTimeout = REQUEST_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address() as AddressInfo;
    return new MetricsServer(server, { host: address.host, port: bound.port });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function answer(request: IncomingMessage, response: ServerResponse, families: () => readonly MetricFamily[]): void {
  const path = (request.url ?? '').split('?')[0];
  if (path !== METRICS_PATH) return plain(response, 404, `not found: the metrics are at ${METRICS_PATH}\n`);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return plain(response, 405, 'method not allowed\n');
  }
  const format = negotiateFormat(request.headers.accept);
  const body = renderMetrics(families(), format);
  response.writeHead(200, { 'Content-Type': CONTENT_TYPES[format], 'Content-Length': Buffer.byteLength(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
