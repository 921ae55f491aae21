// CI check: the committed drizzle/ migrations are what drizzle-kit generates from src/schema.js
// today (so Honker's tables in the schema and in the migration agree), and their _honker_*
// statements carry IF NOT EXISTS. drizzle-kit runs offline on a temp copy; nothing here is changed.
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

const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'drizzle-app-migrations-'))
try {
  fs.cpSync(path.join(appDir, 'drizzle'), path.join(copy, 'drizzle'), { recursive: true })
  const generate = spawnSync(
    process.execPath,
    [drizzleKit, 'generate', '--dialect', 'sqlite', '--schema', path.join(appDir, 'src', 'schema.js'), '--out', 'drizzle'],
    { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  )
  const output = `${generate.stdout}${generate.stderr}`
  const files = fs.readdirSync(path.join(copy, 'drizzle')).filter((name) => name.endsWith('.sql'))
  const committed = fs.readdirSync(path.join(appDir, 'drizzle')).filter((name) => name.endsWith('.sql'))
  // A rename makes drizzle-kit ask (no stdin here) instead of writing a file: require its all-clear.
  if (generate.status !== 0 || files.length !== committed.length || !/No schema changes/.test(output)) {
    console.error(output)
    console.error('drizzle/ is out of date with src/schema.js: run `pnpm db:generate` and commit the result')
    process.exit(1)
  }
  execFileSync(process.execPath, [honkerDrizzle, 'if-not-exists', '--check', path.join(appDir, 'drizzle')], { stdio: 'inherit' })
  console.log(`migrations: drizzle/ matches src/schema.js (${committed.length} file(s)); _honker_* statements are IF NOT EXISTS`)
} finally {
  fs.rmSync(copy, { recursive: true, force: true })
}
