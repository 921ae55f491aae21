/**
 * @module @honker/testkit
 *
 * The conformance suite shared by the standalone core API and every ORM adapter (private to the
 * repo). Each adapter package runs `defineConformanceSuite(itsHarness)` in its own tests.
 */
export { defineConformanceSuite } from './conformance.ts'
export type { AdapterHarness, HarnessSession } from './harness.ts'
export { spawnWorker, spawnWorkerScript, tempDatabase, type WorkerProcess } from './helpers.ts'
export { expectRuntimeSuitePassed, runRuntimeSuite, type RuntimeSuiteResult } from './runtime-suite.ts'
