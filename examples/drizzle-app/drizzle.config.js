// drizzle-kit reads the app's schema, which re-exports Honker's tables: `pnpm db:generate` writes
// them into the app's own migrations (and `honker-drizzle if-not-exists` makes those statements
// idempotent, so the migration also applies to a file where Honker created its tables first).
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema.js',
  out: './drizzle',
})
