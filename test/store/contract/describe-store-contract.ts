import { describe } from 'vitest';
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
export function describeStoreContract(name: string, openStore: StoreFactory): void {
  describe(`${name} store contract`, () => {
    runsContract(openStore);
    appendContract(openStore);
    gatesContract(openStore);
    claimsContract(openStore);
    lineageContract(openStore);
    schedulesContract(openStore);
    retentionContract(openStore);
    deliveriesContract(openStore);
  });
}
