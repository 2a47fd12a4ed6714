import { openStore } from '../helpers/store.js';
import { describeStoreContract } from './contract/describe-store-contract.js';

describeStoreContract('sqlite', (opts = {}) => openStore(opts));
