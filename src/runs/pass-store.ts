import type { ArtifactRecord, Store } from '../store/store.js';

/**
 * The store as a loop pass sees it: the pass's artifacts, then those of the run it belongs to,
 * so a step inside the loop injects an outer step's artifact as if the pass held it (the
 * outer steps completed before the loop started). Everything else is the store itself.
 */
export function passStore(store: Store, passId: string, outerId: string): Store {
  const listArtifacts = async (runId: string): Promise<ArtifactRecord[]> => {
    const own = await store.listArtifacts(runId);
    if (runId !== passId) return own;
    return [...own, ...(await store.listArtifacts(outerId))];
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'listArtifacts') return listArtifacts;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
