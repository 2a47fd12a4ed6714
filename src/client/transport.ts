import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WaveError } from '../errors.js';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8080 or https://wave.example.com */
  baseUrl: string;
  token?: string;
  /** Client certificate (mTLS) and the CA that signed the server's certificate: file paths. */
  tls?: { cert?: string; key?: string; ca?: string };
  /** Sent as `x-wave-client`: the server records `cli` or `ui` as the trigger source. */
  clientName?: string;
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * HTTP(S) over node:http, so client certificates work (fetch cannot take them on Node 20).
 * Connection failures become `server_unreachable` errors that name the URL.
 */
export class Transport {
  readonly base: URL;
  private readonly tlsFiles: { cert?: Buffer; key?: Buffer; ca?: Buffer };

  constructor(private readonly opts: ClientOptions) {
    try {
      this.base = new URL(opts.baseUrl);
    } catch {
      throw new WaveError(
        'invalid_usage',
        `--server ${opts.baseUrl} is not a URL (e.g. http://127.0.0.1:8080)`,
      );
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new WaveError(
        'invalid_usage',
        `--server must be an http:// or https:// URL, not ${opts.baseUrl}`,
      );
    }
    const read = (what: string, p: string | undefined) => {
      if (!p) return undefined;
      try {
        return readFileSync(p);
      } catch (err) {
        throw new WaveError(
          'invalid_usage',
          `--${what} ${p}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        );
      }
    };
    this.tlsFiles = {
      ...(opts.tls?.cert ? { cert: read('cert', opts.tls.cert)! } : {}),
      ...(opts.tls?.key ? { key: read('key', opts.tls.key)! } : {}),
      ...(opts.tls?.ca ? { ca: read('ca', opts.tls.ca)! } : {}),
    };
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: 'application/json',
      ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
      ...(this.opts.clientName ? { 'x-wave-client': this.opts.clientName } : {}),
      ...extra,
    };
  }

  /** Starts a request and resolves with the response stream (for SSE) once headers arrive. */
  open(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<IncomingMessage> {
    const url = this.url(path);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const options: RequestOptions & Record<string, unknown> = {
      method,
      headers: this.headers({
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      }),
      ...(url.protocol === 'https:' ? this.tlsFiles : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, options, resolve);
      req.on('error', (err) => reject(this.unreachable(err)));
      if (this.opts.timeoutMs) {
        req.setTimeout(this.opts.timeoutMs, () =>
          req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
        );
      }
      req.end(body);
    });
  }

  async request(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<RawResponse> {
    return this.body(await this.open(method, path, opts));
  }

  /** Reads a whole (small) response: an error body, or a JSON answer. */
  async body(res: IncomingMessage): Promise<RawResponse> {
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', resolve);
      res.on('error', (err) => reject(this.unreachable(err)));
    });
    return {
      status: res.statusCode ?? 0,
      headers: res.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
  }

  unreachable(err: unknown): WaveError {
    if (err instanceof WaveError) return err;
    const e = err as NodeJS.ErrnoException;
    if (e.name === 'AbortError') return new WaveError('cancelled', 'the request was cancelled');
    return new WaveError(
      'server_unreachable',
      `cannot reach the Wave server at ${this.base.origin}: ${e.code ?? e.message}`,
      {
        cause: e.code ?? e.message,
      },
    );
  }
}
