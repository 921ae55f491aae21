// PostgreSQL's server binaries for @honker/postgres's tests, which start a throwaway cluster of
// their own (packages/testkit/src/postgres-cluster.ts). A fresh Debian or Ubuntu machine gets
// them from apt; nothing else is needed (no running server, no Docker).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'

function hasInitdb() {
  if (process.env.PG_BIN && existsSync(`${process.env.PG_BIN}/initdb`)) return true
  if (existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))) return true
  return spawnSync('sh', ['-c', 'command -v initdb'], { stdio: 'ignore' }).status === 0
}

export function ensurePostgres() {
  if (hasInitdb()) return
  const root = process.getuid?.() === 0
  const run = (args) => execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  console.log('PostgreSQL is missing: installing it with apt-get (the @honker/postgres tests start their own cluster)')
  run(['apt-get', 'update'])
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'postgresql'])
  if (!hasInitdb()) throw new Error('apt-get installed postgresql but initdb is still missing')
}

if (import.meta.url === `file://${process.argv[1]}`) ensurePostgres()
