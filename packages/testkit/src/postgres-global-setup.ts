import type { TestProject } from 'vitest/node'
import { startTestCluster, type TestCluster } from './postgres-cluster.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string
    postgresDir: string
  }
}

let cluster: TestCluster | undefined

/**
 * vitest `globalSetup`: one throwaway PostgreSQL cluster for the run (HONKER_PG_URL uses an existing server instead);
 * each test file works in schemas of its own.
 */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.HONKER_PG_URL) {
    project.provide('postgresUrl', process.env.HONKER_PG_URL)
    project.provide('postgresDir', '')
    return
  }
  cluster = await startTestCluster()
  project.provide('postgresUrl', cluster.url)
  project.provide('postgresDir', cluster.dir)
}

export function teardown(): void {
  cluster?.stop()
}
