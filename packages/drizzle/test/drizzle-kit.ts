import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const drizzleKitBin = path.join(path.dirname(require.resolve('drizzle-kit')), 'bin.cjs')
export const packageDir = path.join(here, '..')
/** The app's tables plus Honker's. */
export const appSchema = path.join(here, 'fixtures', 'app-schema.ts')
/** A PostgreSQL app's table plus Honker's `pgTable`s. */
export const appSchemaPg = path.join(here, 'fixtures', 'app-schema-pg.ts')
/** The app's tables only. */
export const appTables = path.join(here, 'fixtures', 'app-tables.ts')

/** Run the real drizzle-kit CLI in `cwd`; returns its exit status and everything it printed. */
function drizzleKit(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [drizzleKitBin, ...args], { cwd, encoding: 'utf8', timeout: 60_000 })
  return { status: result.status, output: result.stdout + result.stderr }
}

/** `drizzle-kit generate` into `out` (offline: it only diffs the schema against `out`'s snapshots). */
export function drizzleKitGenerate(out: string, schema = appSchema, dialect: 'sqlite' | 'postgresql' = 'sqlite'): string {
  // `out` relative to cwd: drizzle-kit 0.31 reads earlier snapshots from './' + out.
  const { status, output } = drizzleKit(
    ['generate', '--dialect', dialect, '--schema', schema, '--out', path.basename(out), '--casing', 'snake_case'],
    path.dirname(out),
  )
  if (status !== 0) throw new Error(`drizzle-kit generate failed (${status}):\n${output}`)
  return output
}

/** `drizzle-kit push` of `schema` to a local SQLite file, with a table filter. */
export function drizzleKitPush(file: string, schema: string, tablesFilter: string): string {
  const { status, output } = drizzleKit(
    ['push', '--dialect', 'sqlite', '--schema', schema, '--url', file, '--tablesFilter', tablesFilter, '--casing', 'snake_case', '--force', '--verbose'],
    path.dirname(file),
  )
  if (status !== 0) throw new Error(`drizzle-kit push failed (${status}):\n${output}`)
  return output
}

/** The SQL files of a migrations folder, in order. */
export function migrationFiles(out: string): string[] {
  return readdirSync(out).filter((name) => name.endsWith('.sql')).sort().map((name) => path.join(out, name))
}

export function readMigrationSql(out: string): string {
  return migrationFiles(out).map((file) => readFileSync(file, 'utf8')).join('\n')
}

/** `honker-drizzle <args>` (the package's bin, which runs the built dist). */
export function honkerDrizzleBin(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(packageDir, 'bin', 'honker-drizzle.mjs'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
