import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface ReadResponse {
  status: number;
  /** Parsed when the body is JSON, else its text (the web UI, metrics). */
  body: unknown;
  headers: IncomingHttpHeaders;
}

/** Reads a node:http(s) response whole: status, body (JSON when it parses) and headers. */
export function readResponse(res: IncomingMessage): Promise<ReadResponse> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      text += d;
    });
    res.on('error', reject);
    res.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
    });
  });
}
