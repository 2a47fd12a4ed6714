import { randomBytes } from 'node:crypto';

/** `<pipeline>-YYYYMMDD-HHMMSS-<6 hex>`: sortable by eye, unique, URL-safe. */
export function newRunId(pipeline: string, now = new Date()): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const safe = pipeline.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `${safe}-${stamp}-${randomBytes(3).toString('hex')}`;
}
