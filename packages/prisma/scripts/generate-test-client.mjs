// Generates the Prisma client the tests use (test/generated/client) from test/prisma/app.prisma
// plus the shipped fragment prisma/honker.prisma, offline.
//
// `prisma generate` itself needs no engine (Prisma 7 compiles queries with a wasm compiler shipped
// in @prisma/client), but the CLI insists that the native schema engine exists before running
// `generate` and otherwise downloads it from binaries.prisma.sh. PRISMA_SCHEMA_ENGINE_BINARY
// satisfies that check. It points at this (non-executable) script, not at /bin/true: a command
// that really needs the engine then fails with EACCES, where /bin/true makes `prisma migrate
// deploy` print "1 migration found" and exit 0 having applied nothing.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const cli = createRequire(import.meta.url).resolve('prisma/build/index.js')

/** One generated client: `app` (the test app's schema) next to the shipped `fragment`, into `out`. */
function generate(app, fragment, out) {
  const generated = path.join(root, 'test', out)
  const schemaDir = path.join(generated, 'schema')
  rmSync(generated, { recursive: true, force: true })
  mkdirSync(schemaDir, { recursive: true })
  copyFileSync(path.join(root, 'test', app, 'app.prisma'), path.join(schemaDir, 'app.prisma'))
  copyFileSync(path.join(root, 'prisma', fragment), path.join(schemaDir, fragment))
  const result = spawnSync(process.execPath, [cli, 'generate', '--schema', schemaDir], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
      CHECKPOINT_DISABLE: '1', // no update check over the network
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

generate('prisma', 'honker.prisma', 'generated') // SQLite
generate('prisma-pg', 'honker.postgres.prisma', 'generated-pg') // PostgreSQL
