import { inject } from 'vitest'
import type {} from './postgres-global-setup.ts' // the ProvidedContext keys it declares

/**
 * The test cluster's URL, inside a test file of a package whose vitest config runs
 * `postgres-global-setup.ts` (kept apart: a global setup module must not import vitest's runtime).
 */
export function postgresTestUrl(): string {
  return inject('postgresUrl')
}
