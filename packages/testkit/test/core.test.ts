import { open, type EnqueueOptions, type Transaction } from '@honker/core'
import { defineConformanceSuite } from '../src/index.ts'

// The reference integration: the standalone API, whose `tx` is Honker's own Transaction.
defineConformanceSuite({
  name: 'core',
  async open(file) {
    const honker = open(file)
    honker.transaction((tx) => tx.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)'))
    return {
      honker,
      transaction: async (fn) => honker.transaction((tx) => fn(tx) as never),
      insertOrder: (tx, note) => (tx as Transaction).run('INSERT INTO orders (note) VALUES (?)', [note]),
      enqueue: (tx, queue, payload, options?: EnqueueOptions) =>
        honker.queue(queue).enqueue(payload, { ...options, tx: tx as Transaction }),
      notify: (tx, channel, payload) => honker.notify(channel, payload, { tx: tx as Transaction }),
      publish: (tx, topic, payload, key) => honker.stream(topic).publish(payload, { key, tx: tx as Transaction }),
      close: async () => honker.close(),
    }
  },
})
