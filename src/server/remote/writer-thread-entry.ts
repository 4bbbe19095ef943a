/**
 * @module The remote-write worker thread's entry point, bundled on its own (dist/remote-writer.cjs,
 * embedded in the executable): it only starts writer-thread.ts with what the server handed it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWriterThread } from './writer-thread';
import type { WriterThreadInit } from './writer-thread';

if (parentPort) runWriterThread(workerData as WriterThreadInit, parentPort);
