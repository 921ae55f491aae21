// Compiles native/honker_functions.c into a SQLite loadable extension at
// dist/native/honker_functions.<so|dylib>, from source, with the system C compiler ($CC, default cc),
// against the sqlite3ext.h of the better-sqlite3 the package resolves, else the system's. Any
// SQLite's headers do: the extension calls SQLite only through the routine table the loading
// library hands it (better-sqlite3, node:sqlite or bun:sqlite, each its own SQLite 3.37+), never a
// linked copy. Run by `build` in the workspace and by `install` when installed from a registry.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const source = path.join(root, 'native', 'honker_functions.c')
const header = path.join(root, 'native', 'generated', 'honker_sql.h')

if (process.platform === 'win32') {
  console.error('@honker/sqlite-functions: building the extension on Windows is not supported yet')
  process.exit(1)
}
if (!existsSync(header)) {
  console.error(`@honker/sqlite-functions: ${header} is missing; run scripts/generate-sql-header.mjs (needs @honker/core built)`)
  process.exit(1)
}

function sqliteIncludeDir() {
  const require = createRequire(path.join(root, 'package.json'))
  try {
    const dir = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3')
    if (existsSync(path.join(dir, 'sqlite3ext.h'))) return dir
  } catch {
    // better-sqlite3 is a peer dependency: fall back to the system headers below.
  }
  for (const dir of ['/usr/include', '/usr/local/include', '/opt/homebrew/include']) {
    if (existsSync(path.join(dir, 'sqlite3ext.h'))) return dir
  }
  throw new Error('sqlite3ext.h not found: install better-sqlite3 (it ships the header) or the SQLite development headers (libsqlite3-dev, sqlite-devel)')
}

const extension = process.platform === 'darwin' ? 'dylib' : 'so'
const outDir = path.join(root, 'dist', 'native')
const output = path.join(outDir, `honker_functions.${extension}`)
mkdirSync(outDir, { recursive: true })

const compiler = process.env.CC || 'cc'
const args = [
  '-O2', '-fPIC', '-Wall', '-Wextra', '-std=c99',
  process.platform === 'darwin' ? '-dynamiclib' : '-shared',
  '-I', sqliteIncludeDir(),
  '-I', path.join(root, 'native'),
  source, '-o', output,
]
const result = spawnSync(compiler, args, { stdio: 'inherit' })
if (result.error !== undefined || result.status !== 0) {
  console.error(
    `@honker/sqlite-functions: '${compiler} ${args.join(' ')}' failed${result.error ? `: ${result.error.message}` : ''}.\n` +
      'A C compiler is required (the same toolchain better-sqlite3 builds with).',
  )
  process.exit(1)
}
