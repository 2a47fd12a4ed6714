import type { Store } from '../../src/store/store.js';
import { pgStores } from '../helpers/pg-store.js';
import { describeStoreContract } from './contract/describe-store-contract.js';

const openStore = pgStores();

// PostgresStore has every part of the contract; insights (not part of it) are not on PostgreSQL yet.
describeStoreContract('postgres', (opts = {}) => openStore(opts) as unknown as Store);
