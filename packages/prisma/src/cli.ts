/**
 * The `honker-prisma` command (bin/honker-prisma.mjs runs `main`):
 *
 *   honker-prisma migrate [--url file:./dev.db] [--dir prisma/migrations]
 *   honker-prisma add-migration [--dir prisma/migrations] [--name honker]
 *
 * Exit codes: 0 done, 1 a coded error (printed as `honker-prisma: <code>: <message>`), 2 usage.
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { HonkerError } from '@honker/core'
import { addHonkerMigration, applyMigrations, missingHonkerMigrations, readMigrations } from './migrations.ts'

const USAGE = `usage:
  honker-prisma migrate [--url <url>] [--dir <migrations folder>]
      Apply the pending migrations of a Prisma migrations folder to a SQLite file and record them
      in _prisma_migrations as \`prisma migrate deploy\` does, without Prisma's schema engine.
      --url  the database, as given to PrismaBetterSqlite3 (default: $DATABASE_URL)
      --dir  default: prisma/migrations

  honker-prisma add-migration [--dir <migrations folder>] [--name <name>]
      Write Honker's tables into the folder as a new migration, <timestamp>_<name>/migration.sql
      (only the Honker schema versions the folder does not have yet).
      --dir  default: prisma/migrations
      --name default: honker
`

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}

/** Run the command line `argv` (without `node` and the script); returns the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo): number {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    ;(command === undefined ? io.err : io.out)(USAGE.trimEnd())
    return command === undefined ? 2 : 0
  }
  let values: { url?: string | undefined; dir?: string | undefined; name?: string | undefined; help?: boolean | undefined }
  try {
    const options = command === 'migrate' ? { url: { type: 'string' }, dir: { type: 'string' } } : { dir: { type: 'string' }, name: { type: 'string' } }
    ;({ values } = parseArgs({ args: [...rest], options: { ...options, help: { type: 'boolean', short: 'h' } } as never, allowPositionals: false }) as {
      values: typeof values
    })
  } catch (error) {
    io.err(`honker-prisma: ${error instanceof Error ? error.message : String(error)}`)
    io.err(USAGE.trimEnd())
    return 2
  }
  if (values.help === true) {
    io.out(USAGE.trimEnd())
    return 0
  }
  const dir = values.dir ?? path.join('prisma', 'migrations')
  try {
    if (command === 'migrate') return migrate(values.url ?? io.env.DATABASE_URL, dir, io)
    if (command === 'add-migration') return addMigration(dir, values.name, io)
  } catch (error) {
    if (HonkerError.isInstance(error)) {
      io.err(`honker-prisma: ${error.code}: ${error.message}`)
      return 1
    }
    throw error
  }
  io.err(`honker-prisma: unknown command ${JSON.stringify(command)}`)
  io.err(USAGE.trimEnd())
  return 2
}

function migrate(url: string | undefined, dir: string, io: CliIo): number {
  if (url === undefined || url === '') {
    io.err('honker-prisma: give the database with --url (e.g. --url file:./dev.db) or DATABASE_URL')
    return 2
  }
  const total = readMigrations(dir).length
  io.out(`${total} migration${total === 1 ? '' : 's'} found in ${dir}`)
  try {
    const { applied } = applyMigrations({ url, migrationsDir: dir, onApplied: (name) => io.out(`Applied migration ${name}`) })
    io.out(applied.length === 0 ? 'No pending migrations to apply.' : `All migrations have been successfully applied to ${url}.`)
  } catch (error) {
    const applied = (error as { applied?: unknown }).applied
    if (Array.isArray(applied) && applied.length > 0) io.err(`Applied before the failure: ${applied.join(', ')}`)
    throw error
  }
  const missing = missingHonkerMigrations(dir)
  if (missing.length > 0) {
    io.err(
      `note: ${dir} has no migration for Honker's schema version${missing.length === 1 ? '' : 's'} ${missing.map((m) => m.version).join(', ')}; ` +
        '`honker-prisma add-migration` adds it (createHonker() would otherwise create the tables outside your Prisma history).',
    )
  }
  return 0
}

function addMigration(dir: string, name: string | undefined, io: CliIo): number {
  const { folder, versions } = addHonkerMigration({ migrationsDir: dir, ...(name === undefined ? {} : { name }) })
  if (folder === null) io.out(`${dir} already has every Honker migration.`)
  else io.out(`Wrote ${path.relative(process.cwd(), path.join(folder, 'migration.sql'))} (Honker schema version${versions.length === 1 ? '' : 's'} ${versions.join(', ')}).`)
  return 0
}
