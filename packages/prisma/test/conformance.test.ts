import { defineConformanceSuite } from '@honker/testkit'
import { createHonker, enqueue, notify, publish } from '../src/index.ts'
import type { Prisma } from './generated/client/client.ts'
import { ORDERS_DDL, applyHonkerMigrations, prismaClient } from './helpers.ts'

type Tx = Prisma.TransactionClient

// The Prisma integration as an app uses it: the schema comes from the shipped migration SQL (plus
// the app's orders table), every write goes through `prisma.$transaction(async (tx) => ...)`, and
// Honker's own API runs on createHonker({ url }) over the same file.
defineConformanceSuite({
  name: 'prisma',
  async open(file) {
    const url = `file:${file}`
    applyHonkerMigrations(file, ORDERS_DDL)
    const honker = createHonker({ url })
    const prisma = prismaClient(url)
    return {
      honker,
      transaction: (fn) => prisma.$transaction(async (tx) => fn(tx)),
      insertOrder: (tx, note) => (tx as Tx).order.create({ data: { note } }),
      enqueue: (tx, queue, payload, options) => enqueue(tx as Tx, queue, payload, options),
      notify: (tx, channel, payload) => notify(tx as Tx, channel, payload),
      publish: (tx, topic, payload, key) => publish(tx as Tx, topic, payload, { key }),
      close: async () => {
        await prisma.$disconnect()
        honker.close()
      },
    }
  },
})
