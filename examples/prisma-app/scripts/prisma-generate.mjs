// `prisma generate`, offline, for both engines: the SQLite client from prisma/schema into
// generated/prisma, and the PostgreSQL client from prisma/schema-postgres into
// generated/prisma-postgres (the app compiles against both; src/db.ts loads one at run time).
// Generating needs no engine (Prisma 7 compiles queries with a wasm module shipped in
// @prisma/client), but the CLI checks that the native schema engine exists first and downloads it
// from binaries.prisma.sh when it does not. PRISMA_SCHEMA_ENGINE_BINARY satisfies the check; it
// points at this non-executable file so that a command that really runs the engine (migrate,
// db push) fails loudly instead of doing nothing.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const cli = createRequire(import.meta.url).resolve('prisma/build/index.js')
for (const schema of ['prisma/schema', 'prisma/schema-postgres']) {
  const result = spawnSync(process.execPath, [cli, 'generate', '--schema', schema], {
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
