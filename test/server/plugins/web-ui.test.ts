import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../../src/server/error-handler.js';
import { registerWebUi } from '../../../src/server/plugins/web-ui.js';
import type { App } from '../../../src/server/types.js';
import { SECRET } from '../../helpers/auth.js';
import { api, startTestServer } from '../../helpers/server.js';
import { tempDir, writeTree } from '../../helpers/tmp.js';

const builtAsset = () => readdirSync('dist/web/assets').find((f) => f.endsWith('.js'))!;

/** The plugin alone over a folder of our own (the real build is covered through the server). */
async function bareApp(root: string): Promise<App> {
  const app = Fastify() as unknown as App;
  installErrorHandling(app);
  registerWebUi(app, { root });
  await app.ready();
  return app;
}

describe('web UI serving', () => {
  it('serves index.html at / and for client routes, with the HTML security headers and no-cache', async () => {
    const server = await startTestServer();
    const index = readFileSync('dist/web/index.html', 'utf8');
    for (const path of ['/', '/runs/some-run', '/pipelines/hello', '/new?pipeline=hello', '/personas']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toBe(index);
    }
  });

  it('the built page has no inline script and loads nothing from elsewhere', () => {
    const index = readFileSync('dist/web/index.html', 'utf8');
    const scripts = [...index.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/assets\//);
      expect(body!.trim()).toBe('');
    }
    expect(index).not.toMatch(/https?:\/\//);
    for (const file of readdirSync('dist/web/assets')) {
      if (file.endsWith('.css'))
        expect(readFileSync(join('dist/web/assets', file), 'utf8')).not.toMatch(/@import|url\(https?:/);
    }
  });

  it('serves hashed assets as immutable, with their content type; HEAD works', async () => {
    const server = await startTestServer();
    const asset = builtAsset();
    const res = await fetch(`${server.url}/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(readFileSync(`dist/web/assets/${asset}`, 'utf8'));
    const head = await fetch(`${server.url}/assets/${asset}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await head.text()).toBe('');
    const headIndex = await fetch(`${server.url}/runs/x`, { method: 'HEAD' });
    expect(headIndex.status).toBe(200);
    expect(headIndex.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const icon = await fetch(`${server.url}/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('a missing file is a JSON 404, and unknown API routes keep their JSON 404', async () => {
    const server = await startTestServer();
    for (const path of [
      '/assets/index-gone.js',
      '/robots.txt',
      '/api/nope',
      '/api',
      '/api/runs/x/y/z/w',
      '/metrics/x',
    ]) {
      const res = await api<{ error: { code: string } }>(server, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.error.code).toBe('not_found');
    }
    // What the router itself rejects still gets its own answer, not the page.
    const long = await api<{ error: { code: string } }>(server, 'GET', `/api/runs/${'x'.repeat(600)}/logs`);
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe('invalid_request');
    expect((await api(server, 'GET', '/%61pi/nope')).status).toBe(404);
    expect((await api(server, 'GET', '/metrics')).status).toBe(200);
  });

  it('never serves a file outside the build folder', async () => {
    const root = writeTree(tempDir(), { 'index.html': '<p>ui</p>', 'assets/a.js': 'x' });
    const outside = writeTree(tempDir(), { 'secret.txt': 'secret' });
    symlinkSync(join(outside, 'secret.txt'), join(root, 'assets/link.txt'));
    const app = await bareApp(root);
    for (const url of [
      '/../package.json',
      '/assets/../../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/%2e%2e%2fpackage.json',
      '/assets/..%5c..%5cpackage.json',
      '/assets/link.txt',
      '/assets/a.js%00.txt',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain('secret');
      expect(res.body, url).not.toContain('"name": "wave"');
    }
    expect((await app.inject({ method: 'GET', url: '/assets/a.js' })).body).toBe('x');
    await app.close();
  });

  it('without a UI build, / says to run npm run build instead of failing', async () => {
    const app = await bareApp(tempDir());
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('npm run build');
    await app.close();
  });

  it('with JWT auth the page loads without a token; the API still wants one, unknown routes too', async () => {
    const server = await startTestServer(
      { 'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n' },
      { env: { WAVE_JWT_SECRET: SECRET } },
    );
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    expect((await fetch(`${server.url}/assets/${builtAsset()}`)).status).toBe(200);
    expect((await api(server, 'GET', '/api/runs')).status).toBe(401);
    expect((await api(server, 'GET', '/api/nope')).status).toBe(401);
  });
});
