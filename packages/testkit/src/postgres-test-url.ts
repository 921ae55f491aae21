import { createRequire } from 'node:module'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import type {} from './postgres-global-setup.ts' // the ProvidedContext keys it declares

/**
 * The test cluster's URL, inside a test file of a package whose vitest config runs
 * `postgres-global-setup.ts` (kept apart: a global setup module must not import vitest's runtime).
 */
export function postgresTestUrl(): string {
  return inject('postgresUrl')
}

/**
 * A database of its own on the test cluster (for tests of a library that uses the default schema
 * `honker`, which a per-test schema cannot isolate); returns its URL.
 */
export async function createTestDatabase(prefix: string): Promise<string> {
  const { default: pg } = await import('pg')
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: postgresTestUrl() })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(postgresTestUrl())
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * `@honker/postgres`'s conformance worker script (packages/postgres/test/fixtures), for an
 * adapter's conformance harness on PostgreSQL; resolved from the adapter, which depends on it.
 */
export function postgresWorkerScript(resolveFrom: string): string {
  const require = createRequire(resolveFrom)
  return path.join(path.dirname(require.resolve('@honker/postgres/package.json')), 'test', 'fixtures', 'conformance-worker.mjs')
}
