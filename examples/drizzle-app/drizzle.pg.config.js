// drizzle-kit on PostgreSQL (HONKER_ENGINE=postgres): the app's own tables only. Honker's live in
// schema `honker`, created at startup by honkerMigrate(db) (@honker/drizzle/pg); schemaFilter keeps
// drizzle-kit's push/pull away from them.
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.pg.js',
  out: './drizzle-pg',
  schemaFilter: ['public'],
})
