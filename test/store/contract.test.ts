/**
 * @module Runs the Store contract (contract.ts) against every implementation: the memory store
 * and the SQLite store in a temp dir.
 */
import { createMemoryStore } from '../../src/store/memory-store';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { tempDir } from '../helpers';
import { storeContract } from './contract';

storeContract('memory', () => createMemoryStore());
storeContract('sqlite', (t) => openSqliteStore(tempDir(t)));
