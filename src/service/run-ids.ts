import { randomBytes } from 'node:crypto';

/**
 * `<pipeline>-YYYYMMDD-HHMMSS-<10 hex>`: sortable by eye, URL-safe, and unique even when many servers
 * on one database start hundreds of runs of one pipeline in the same second (40 random bits).
 */
export function newRunId(pipeline: string, now = new Date()): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const safe = pipeline.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `${safe}-${stamp}-${randomBytes(5).toString('hex')}`;
}
