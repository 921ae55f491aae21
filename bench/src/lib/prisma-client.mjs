/**
 * The Prisma clients of the Prisma adapter figures, generated at bench run time and offline: for
 * SQLite from bench/prisma/app.prisma plus the fragment @honker/prisma ships (prisma/honker.prisma),
 * for PostgreSQL (`pnpm bench:postgres`) from bench/prisma/app.postgres.prisma plus
 * prisma/honker.postgres.prisma (models in the `honker` schema).
 *
 * - `prisma generate` needs no engine (Prisma 7 compiles queries with a wasm module shipped in
 *   @prisma/client), but the CLI checks that the native schema engine exists first and downloads
 *   it otherwise. PRISMA_SCHEMA_ENGINE_BINARY points at this (non-executable) file to satisfy the
 *   check, as packages/prisma/scripts/generate-test-client.mjs does; CHECKPOINT_DISABLE=1 skips
 *   the update check. Nothing is downloaded.
 * - The `prisma-client` generator writes TypeScript; Node 20 cannot import it, so each file is
 *   transpiled to JavaScript with TypeScript's `transpileModule` (type erasure only).
 * - The result goes to bench/node_modules/.cache/honker-bench-prisma/<hash>/, keyed by the engine,
 *   the schema files, the Prisma versions and this file: the first run of a suite generates it
 *   (before any timing), later runs import it. It has to live under bench/ so that the generated code's
 *   `@prisma/client/runtime/client` import resolves to the bench's @prisma/client.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
const SELF = fileURLToPath(import.meta.url)
const BENCH_DIR = path.resolve(path.dirname(SELF), '..', '..')
const CACHE_DIR = path.join(BENCH_DIR, 'node_modules', '.cache', 'honker-bench-prisma')

/** Per engine: the bench's app schema and the fragment of @honker/prisma it goes with. */
const ENGINES = {
  sqlite: { app: path.join(BENCH_DIR, 'prisma', 'app.prisma'), fragment: 'honker.prisma' },
  postgres: { app: path.join(BENCH_DIR, 'prisma', 'app.postgres.prisma'), fragment: 'honker.postgres.prisma' },
}

function engineOf(name) {
  const engine = ENGINES[name]
  if (engine === undefined) throw new Error(`no Prisma schema for engine ${name}`)
  return engine
}

function honkerFragment(engine) {
  return path.join(path.dirname(require.resolve('@honker/prisma/package.json')), 'prisma', engine.fragment)
}

function versionOf(name) {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version
}

function cacheKey(inputs) {
  const hash = createHash('sha256')
  for (const input of inputs) hash.update(input).update('\0')
  return hash.digest('hex').slice(0, 16)
}

function* tsFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* tsFiles(full)
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield full
  }
}

function generate(target, engine, engineName) {
  const work = `${target}.tmp-${process.pid}`
  fs.rmSync(work, { recursive: true, force: true })
  const schemaDir = path.join(work, 'schema')
  fs.mkdirSync(schemaDir, { recursive: true })
  fs.copyFileSync(engine.app, path.join(schemaDir, 'app.prisma'))
  fs.copyFileSync(honkerFragment(engine), path.join(schemaDir, engine.fragment))
  const cli = require.resolve('prisma/build/index.js')
  const result = spawnSync(process.execPath, [cli, 'generate', '--schema', schemaDir], {
    cwd: work,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: SELF,
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  })
  if (result.status !== 0) {
    fs.rmSync(work, { recursive: true, force: true })
    throw new Error(`prisma generate failed (status ${result.status}): ${(result.stderr || result.stdout || String(result.error)).trim()}`)
  }
  const ts = require('typescript')
  const clientDir = path.join(work, 'client')
  for (const file of tsFiles(clientDir)) {
    const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    })
    fs.writeFileSync(file.replace(/\.ts$/, '.js'), outputText)
  }
  // The generated folder has no package.json of its own: mark it ESM for Node.
  fs.writeFileSync(path.join(clientDir, 'package.json'), '{ "type": "module" }\n')
  fs.writeFileSync(path.join(work, 'engine'), `${engineName}\n`)
  try {
    fs.renameSync(work, target)
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true })
    if (!fs.existsSync(path.join(target, 'client', 'client.js'))) throw error
  }
}

/**
 * `{ PrismaClient, dir, generated }`: the bench's generated client module for `engine` ('sqlite'
 * or 'postgres'), generated if needed.
 */
export async function loadPrismaClient(engineName = 'sqlite') {
  const engine = engineOf(engineName)
  const inputs = [
    engineName,
    fs.readFileSync(engine.app, 'utf8'),
    fs.readFileSync(honkerFragment(engine), 'utf8'),
    fs.readFileSync(SELF, 'utf8'),
    versionOf('prisma'),
    versionOf('@prisma/client'),
    versionOf('typescript'),
  ]
  const target = path.join(CACHE_DIR, cacheKey(inputs))
  const entry = path.join(target, 'client', 'client.js')
  let generated = false
  if (!fs.existsSync(entry)) {
    fs.mkdirSync(CACHE_DIR, { recursive: true })
    generate(target, engine, engineName)
    generated = true
    // Clients of older schemas or Prisma versions are dead weight now (each engine keeps its newest).
    for (const name of fs.readdirSync(CACHE_DIR)) {
      if (name === path.basename(target) || name.includes('.tmp-')) continue
      const marker = path.join(CACHE_DIR, name, 'engine')
      const other = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : 'sqlite'
      if (other === engineName) fs.rmSync(path.join(CACHE_DIR, name), { recursive: true, force: true })
    }
  }
  const module = await import(pathToFileURL(entry).href)
  return { PrismaClient: module.PrismaClient, dir: target, generated }
}
