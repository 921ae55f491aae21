// Type conformance against a real generated client (test/generated/client, generated from
// test/prisma/app.prisma + prisma/honker.prisma by the test script with Prisma 7's `prisma-client`
// generator). Checked by `tsc --noEmit` and by vitest's typecheck run.
import { describe, expectTypeOf, it } from 'vitest'
import type { Database } from '@honker/core'
import { createHonker, enqueue, notify, publish, saveOffset, type PrismaTransactionLike } from '../src/index.ts'
import type { Prisma, PrismaClient } from './generated/client/client.ts'

describe('PrismaTransactionLike', () => {
  it('accepts the generated Prisma.TransactionClient, the client itself and an extended client', () => {
    expectTypeOf<Prisma.TransactionClient>().toExtend<PrismaTransactionLike>()
    expectTypeOf<PrismaClient>().toExtend<PrismaTransactionLike>()
    const extended = (prisma: PrismaClient) => prisma.$extends({ model: { order: { paid: () => 'paid' } } })
    type ExtendedTx = Parameters<Parameters<ReturnType<typeof extended>['$transaction']>[0]>[0]
    expectTypeOf<ExtendedTx>().toExtend<PrismaTransactionLike>()
  })

  it('rejects objects without the raw query methods', () => {
    expectTypeOf<{ $queryRaw: PrismaClient['$queryRaw'] }>().not.toExtend<PrismaTransactionLike>()
    expectTypeOf<{ execute(sql: string): Promise<unknown> }>().not.toExtend<PrismaTransactionLike>()
  })
})

describe('the helpers', () => {
  it('resolve with numbers (ids, offsets) whatever the adapter reads integers as', () => {
    const tx = {} as Prisma.TransactionClient
    expectTypeOf(enqueue(tx, 'emails', { to: 'a@example.com' }, { priority: 1, delayS: 60 })).toEqualTypeOf<Promise<number>>()
    expectTypeOf(notify(tx, 'orders', { id: 1 })).toEqualTypeOf<Promise<number>>()
    expectTypeOf(publish(tx, 'orders', { id: 1 }, { key: 'order-1' })).toEqualTypeOf<Promise<number>>()
    expectTypeOf(saveOffset(tx, 'billing', 'orders', 1)).toEqualTypeOf<Promise<boolean>>()
    expectTypeOf(createHonker({ url: 'file:./dev.db' })).toEqualTypeOf<Database>()
  })

  it('type their options', () => {
    const tx = {} as Prisma.TransactionClient
    // @ts-expect-error priority is a number
    void enqueue(tx, 'emails', 1, { priority: 'high' })
    // @ts-expect-error the key is a string
    void publish(tx, 'orders', 1, { key: 7 })
    // @ts-expect-error createHonker needs the adapter's url
    createHonker({ file: './dev.db' })
  })
})
