#!/usr/bin/env node
// honker-postgres copy-from-sqlite <file> --url <postgres url> [--schema honker]
// Moves an app's Honker data from its SQLite file to PostgreSQL (see copyFromSqlite). Prints the
// counts as JSON; exits 1 with the error's code on failure, 2 on usage errors.
import { parseArgs } from 'node:util'
import { open as openSqlite } from '@honker/core'
import { copyFromSqlite, open } from '@honker/postgres'

const usage = 'usage: honker-postgres copy-from-sqlite <file> --url <postgres url> [--schema honker]'
let parsed
try {
  parsed = parseArgs({ allowPositionals: true, options: { url: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean' } } })
} catch (error) {
  console.error(`${error.message}\n${usage}`)
  process.exit(2)
}
const { positionals, values } = parsed
if (values.help) {
  console.log(usage)
  process.exit(0)
}
if (positionals[0] !== 'copy-from-sqlite' || positionals.length !== 2 || values.url === undefined) {
  console.error(usage)
  process.exit(2)
}
const { default: pg } = await import('pg')
const pool = new pg.Pool({ connectionString: values.url, max: 2 })
let sqlite
let target
try {
  sqlite = openSqlite(positionals[1])
  target = await open({ postgres: pool, ...(values.schema ? { schema: values.schema } : {}) })
  console.log(JSON.stringify(await copyFromSqlite(sqlite, target)))
} catch (error) {
  console.error(`honker-postgres: ${error?.code ?? 'error'}: ${error?.message ?? error}`)
  process.exitCode = 1
} finally {
  target?.close()
  sqlite?.close()
  await pool.end()
}
