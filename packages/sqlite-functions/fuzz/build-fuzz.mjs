// Builds fuzz/fuzz.c with the extension compiled in, under AddressSanitizer and
// UndefinedBehaviorSanitizer (halting on the first report), against the SQLite amalgamation of the
// better-sqlite3 this package resolves. SQLite itself is compiled once without sanitizers and
// cached per SQLite version: ASan still sees every heap access the extension makes, since it
// replaces malloc for the whole process. Not part of the shipped build.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

function compile(args) {
  const compiler = process.env.CC || 'cc'
  const result = spawnSync(compiler, args, { encoding: 'utf8' })
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(`${compiler} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`)
  }
}

/** The sanitizer build's path, building what is missing or older than its sources. */
export function buildFuzz() {
  const require = createRequire(path.join(root, 'package.json'))
  const sqliteDir = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3')
  const version = /#define SQLITE_VERSION\s+"([^"]+)"/.exec(readFileSync(path.join(sqliteDir, 'sqlite3.h'), 'utf8'))?.[1] ?? 'unknown'
  const out = path.join(root, 'node_modules', '.cache', 'honker-fuzz')
  mkdirSync(out, { recursive: true })
  const sqliteObject = path.join(out, `sqlite3-${version}.o`)
  if (!existsSync(sqliteObject)) {
    compile(['-O1', '-g', '-c', '-fno-omit-frame-pointer', '-DSQLITE_THREADSAFE=0', '-I', sqliteDir, path.join(sqliteDir, 'sqlite3.c'), '-o', sqliteObject])
  }
  const binary = path.join(out, 'fuzz')
  compile([
    '-O1', '-g', '-Wall', '-Wextra', '-fno-omit-frame-pointer',
    '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
    '-DSQLITE_CORE', '-I', sqliteDir, '-I', path.join(root, 'native'),
    path.join(root, 'fuzz', 'fuzz.c'), path.join(root, 'native', 'honker_functions.c'), sqliteObject,
    '-lm', '-o', binary,
  ])
  return binary
}

/** The environment a fuzz run needs: stop at the first sanitizer report, with a stack. */
export const SANITIZER_ENV = {
  ASAN_OPTIONS: 'halt_on_error=1:detect_leaks=1:abort_on_error=0',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
}
