import type { Store } from '../../src/store/store.js';
import { pgStores } from '../helpers/pg-store.js';
import { describeStoreContract } from './contract/describe-store-contract.js';

const openStore = pgStores();

// Insights are not part of the contract (their own tests seed figures on each store).
describeStoreContract('postgres', (opts = {}) => openStore(opts) as unknown as Store);
