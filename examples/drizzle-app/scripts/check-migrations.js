// CI check: the committed migrations are what drizzle-kit generates from the schemas today:
// drizzle/ from src/schema.js (SQLite: so Honker's tables in the schema and in the migration agree,
// and their _honker_* statements carry IF NOT EXISTS), and drizzle-pg/ from src/schema.pg.js
// (PostgreSQL: the app's tables only; honkerMigrate(db) creates Honker's schema at startup).
// drizzle-kit runs offline on a temp copy; nothing here is changed.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const appDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const drizzleKit = path.join(path.dirname(require.resolve('drizzle-kit')), 'bin.cjs')
const honkerDrizzle = path.join(path.dirname(require.resolve('@honker/drizzle/package.json')), 'bin', 'honker-drizzle.mjs')

/** drizzle-kit generate on a copy of `out`: fails unless it finds nothing to add. */
function checkUpToDate({ dialect, schema, out }) {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'drizzle-app-migrations-'))
  try {
    fs.cpSync(path.join(appDir, out), path.join(copy, out), { recursive: true })
    const generate = spawnSync(
      process.execPath,
      [drizzleKit, 'generate', '--dialect', dialect, '--schema', path.join(appDir, schema), '--out', out],
      { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    )
    const output = `${generate.stdout}${generate.stderr}`
    const files = fs.readdirSync(path.join(copy, out)).filter((name) => name.endsWith('.sql'))
    const committed = fs.readdirSync(path.join(appDir, out)).filter((name) => name.endsWith('.sql'))
    // A rename makes drizzle-kit ask (no stdin here) instead of writing a file: require its all-clear.
    if (generate.status !== 0 || files.length !== committed.length || !/No schema changes/.test(output)) {
      console.error(output)
      throw new Error(`${out}/ is out of date with ${schema}: run \`pnpm db:generate\` and commit the result`)
    }
    return committed.length
  } finally {
    fs.rmSync(copy, { recursive: true, force: true })
  }
}

try {
  const sqlite = checkUpToDate({ dialect: 'sqlite', schema: 'src/schema.js', out: 'drizzle' })
  execFileSync(process.execPath, [honkerDrizzle, 'if-not-exists', '--check', path.join(appDir, 'drizzle')], { stdio: 'inherit' })
  console.log(`migrations: drizzle/ matches src/schema.js (${sqlite} file(s)); _honker_* statements are IF NOT EXISTS`)
  const postgres = checkUpToDate({ dialect: 'postgresql', schema: 'src/schema.pg.js', out: 'drizzle-pg' })
  console.log(`migrations: drizzle-pg/ matches src/schema.pg.js (${postgres} file(s))`)
} catch (error) {
  console.error(error.message)
  process.exitCode = 1
}
