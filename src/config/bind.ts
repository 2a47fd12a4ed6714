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

/**
 * Splits an HTTP authority (a `Host` header, an `allowed_hosts` entry) into a lower-case host
 * name and its port (null when none is given). Null when it is not one: user info, paths,
 * spaces and unbalanced brackets are refused.
 */
export function parseAuthority(text: string): { hostname: string; port: number | null } | null {
  const m = /^(\[[0-9a-f:.]+\]|[^\s:/?#@[\]]+)(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) return null;
  return { hostname: m[1]!.toLowerCase(), port };
}
