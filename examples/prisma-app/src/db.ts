// The app's database handles. Prisma and Honker are given the same URL: Prisma's better-sqlite3
// adapter opens the file for the app's queries and transactions, createHonker opens its own
// connections to the same file for workers and listeners.
import { createHonker } from '@honker/prisma'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaClient } from '../generated/prisma/client.ts'

/** The queue the confirmation emails go through. */
export const EMAIL_QUEUE = 'emails'
/** The durable stream of order events (other services read it with their own saved offset). */
export const ORDER_EVENTS = 'orders'
/** The channel the worker announces delivered (or bounced) emails on. */
export const EMAIL_EVENTS = 'email-events'

export interface EmailJob {
  emailId: number
}

export interface EmailEvent {
  emailId: number
  status: 'sent' | 'bounced'
}

export function databaseUrl(): string {
  return process.env.DATABASE_URL ?? 'file:./dev.db'
}

export function openApp(url = databaseUrl()) {
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url }) })
  const honker = createHonker({ url })
  return {
    prisma,
    honker,
    async close(): Promise<void> {
      await prisma.$disconnect()
      honker.close()
    },
  }
}

export type { PrismaClient }
