/** Parses `host:port`, `[v6]:port`, `host` or `:port`. */
export function parseBind(bind: string): { host?: string; port?: number } | undefined {
  const text = bind.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1], ...(v6[2] ? { port: Number(v6[2]) } : {}) };
  const m = /^([^:]*)(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const port = m[2] ? Number(m[2]) : undefined;
  if (port !== undefined && (port < 0 || port > 65535)) return undefined;
  return { ...(m[1] ? { host: m[1] } : {}), ...(port !== undefined ? { port } : {}) };
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
