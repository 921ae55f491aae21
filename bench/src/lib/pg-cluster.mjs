/**
 * The one PostgreSQL cluster of a `pnpm bench:postgres` run: started by the harness before the
 * first figure with @honker/testkit's `startTestCluster` (initdb in a temp dir, a free port on
 * 127.0.0.1; as root the server runs as the `postgres` user) with fsync ON, so a commit costs
 * what it costs on a real server, and stopped (its directory removed) at the end. Every figure of
 * every system runs against it; the doc records its version and settings.
 */
import { execFileSync } from 'node:child_process'
import pg from 'pg'

/** The server settings the doc lists (all of them as the server reports them). */
const SHOWN = [
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_sync_method',
  'shared_buffers',
  'max_wal_size',
  'checkpoint_timeout',
  'autovacuum',
  'max_connections',
]

function filesystemOf(dir) {
  try {
    return execFileSync('df', ['--output=fstype', dir], { encoding: 'utf8' }).trim().split('\n').pop().trim()
  } catch {
    return 'unknown'
  }
}

/**
 * Resolves { url, stop, info } or { reason } when no cluster can start (PostgreSQL missing:
 * every PostgreSQL figure is then skipped with that reason).
 */
export async function startPostgres() {
  let startTestCluster
  try {
    ;({ startTestCluster } = await import('@honker/testkit/postgres'))
  } catch (error) {
    return { reason: `@honker/testkit/postgres did not load (run \`pnpm build\`): ${error.message}` }
  }
  let cluster
  try {
    cluster = await startTestCluster({ fsync: true })
  } catch (error) {
    return { reason: String(error.message).split('\n')[0] }
  }
  const client = new pg.Client({ connectionString: cluster.url })
  try {
    await client.connect()
    const version = (await client.query('SHOW server_version')).rows[0].server_version
    const settings = {}
    for (const name of SHOWN) settings[name] = (await client.query(`SHOW ${name}`)).rows[0][name]
    return {
      url: cluster.url,
      stop: () => cluster.stop(),
      info: { version, settings, dataFs: filesystemOf(cluster.dir), port: cluster.port },
    }
  } catch (error) {
    cluster.stop()
    return { reason: `the cluster started but did not answer: ${error.message}` }
  } finally {
    await client.end().catch(() => {})
  }
}
