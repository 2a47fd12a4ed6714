import { describe } from 'vitest';
import { adapterPlacesContract } from './adapter-places.js';
import { appendContract } from './append.js';
import { claimsContract } from './claims.js';
import { deliveriesContract } from './deliveries.js';
import { gatesContract } from './gates.js';
import { lineageContract } from './lineage.js';
import { retentionContract } from './retention.js';
import { runsContract } from './runs.js';
import { schedulesContract } from './schedules.js';
import type { StoreFactory } from './store-factory.js';

/**
 * What any Store must do, whatever database is underneath: run it with a factory for each
 * implementation. SQLite-only matters (files, migrations, compact rows) are tested apart.
 */
export function describeStoreContract(
  name: string,
  openStore: StoreFactory,
  opts: { without?: ContractPart[] } = {},
): void {
  describe(`${name} store contract`, () => {
    for (const [part, contract] of Object.entries(PARTS))
      if (!opts.without?.includes(part as ContractPart)) contract(openStore);
  });
}

const PARTS = {
  runs: runsContract,
  append: appendContract,
  gates: gatesContract,
  claims: claimsContract,
  lineage: lineageContract,
  schedules: schedulesContract,
  retention: retentionContract,
  deliveries: deliveriesContract,
  adapterPlaces: adapterPlacesContract,
} as const;

/** A part of the contract (a store still being built may be checked without some). */
export type ContractPart = keyof typeof PARTS;
