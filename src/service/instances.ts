import { hostname } from 'node:os';
import type { InstanceRole, Store } from '../store/store.js';

/** How recent a heartbeat must be for GET /api/health to list its instance. */
export const INSTANCE_SEEN_MS = 60_000;

export interface InstanceView {
  id: string;
  role: InstanceRole;
  host: string;
  last_heartbeat_at: string;
  running: number;
}

/** This process and the others sharing its store, as GET /api/health shows them (API.md "Instances"). */
export class InstanceService {
  constructor(
    private readonly store: Store,
    private readonly self: { id: string; role: InstanceRole },
  ) {}

  /** The instance answering. */
  get current(): { id: string; role: InstanceRole; host: string } {
    return { id: this.self.id, role: this.self.role, host: hostname() };
  }

  /** Only a shared database has other instances worth listing. */
  get shared(): boolean {
    return this.store.kind === 'postgres';
  }

  /** Instances whose heartbeat was seen in the last minute. */
  async seen(now = Date.now()): Promise<InstanceView[]> {
    return (await this.store.listInstances())
      .filter((i) => i.heartbeatAt >= now - INSTANCE_SEEN_MS)
      .map((i) => ({
        id: i.id,
        role: i.role,
        host: i.host,
        last_heartbeat_at: new Date(i.heartbeatAt).toISOString(),
        running: i.running,
      }));
  }
}
