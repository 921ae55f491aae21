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
