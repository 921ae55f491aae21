// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the schema).
// The app itself passes the same URL to PrismaBetterSqlite3 and to createHonker (src/db.ts).
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./dev.db' },
})
