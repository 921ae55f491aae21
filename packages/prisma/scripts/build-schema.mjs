// Writes prisma/migrations/*/migration.sql and prisma/honker.prisma from @honker/core's schema
// (see honker-schema.mjs). `--check` exits 1 instead when a checked-in file is stale.
// Reads the BUILT @honker/core: run `pnpm --filter @honker/core build` first.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderHonkerSchema } from './honker-schema.mjs'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const { migrations, fragment } = renderHonkerSchema()
const files = new Map([
  ...migrations.map(({ folder, sql }) => [path.join('prisma', 'migrations', folder, 'migration.sql'), sql]),
  [path.join('prisma', 'honker.prisma'), fragment],
])

const migrationsDir = path.join(root, 'prisma', 'migrations')
const extra = existsSync(migrationsDir)
  ? readdirSync(migrationsDir).filter((folder) => !migrations.some((m) => m.folder === folder))
  : []

if (process.argv.includes('--check')) {
  const stale = [...files].filter(([file, text]) => !existsSync(path.join(root, file)) || readFileSync(path.join(root, file), 'utf8') !== text)
  for (const [file] of stale) console.error(`${file} is stale`)
  for (const folder of extra) console.error(`prisma/migrations/${folder} matches no @honker/core migration`)
  if (stale.length > 0 || extra.length > 0) {
    console.error('run `pnpm --filter @honker/prisma generate`')
    process.exit(1)
  }
} else {
  if (extra.length > 0) throw new Error(`prisma/migrations/${extra[0]} matches no @honker/core migration: remove it`)
  for (const [file, text] of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(path.join(root, file), text)
  }
  console.log(`wrote ${[...files.keys()].join(', ')}`)
}
