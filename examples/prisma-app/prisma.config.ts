// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the schema).
// It follows HONKER_ENGINE as the app does (src/db.ts): the SQLite schema and migrations by
// default, prisma/schema-postgres and prisma/migrations-postgres with HONKER_ENGINE=postgres.
// The app itself passes the URL to its adapter and to createHonker (src/sqlite.ts, src/postgres.ts).
import { defineConfig } from 'prisma/config'

const postgres = process.env.HONKER_ENGINE === 'postgres'

export default defineConfig({
  schema: postgres ? 'prisma/schema-postgres' : 'prisma/schema',
  migrations: { path: postgres ? 'prisma/migrations-postgres' : 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? (postgres ? 'postgresql://localhost:5432/prisma_app' : 'file:./dev.db') },
})
