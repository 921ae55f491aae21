#!/usr/bin/env node
// honker-drizzle if-not-exists [--check] <folder | file.sql>...
//
// Adds IF NOT EXISTS to the _honker_* CREATE TABLE / CREATE INDEX statements of drizzle-kit
// migrations, so they also apply to a file where Honker created its tables first. Run it after
// `drizzle-kit generate`; `--check` changes nothing and exits 1 if a file still needs it (for CI).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { honkerIfNotExists } from '../dist/migration-sql.js'

const [command, ...rest] = process.argv.slice(2)
const check = rest.includes('--check')
const targets = rest.filter((arg) => arg !== '--check')
if (command !== 'if-not-exists' || targets.length === 0) {
  console.error('usage: honker-drizzle if-not-exists [--check] <folder | file.sql>...')
  process.exit(2)
}

const files = targets.flatMap((target) =>
  statSync(target).isDirectory()
    ? readdirSync(target).filter((name) => name.endsWith('.sql')).sort().map((name) => path.join(target, name))
    : [target],
)
let pending = 0
for (const file of files) {
  const before = readFileSync(file, 'utf8')
  const after = honkerIfNotExists(before)
  if (after === before) continue
  pending += 1
  if (check) console.error(`${file}: _honker_* statements without IF NOT EXISTS`)
  else {
    writeFileSync(file, after)
    console.log(`${file}: added IF NOT EXISTS to the _honker_* statements`)
  }
}
if (check && pending > 0) process.exit(1)
