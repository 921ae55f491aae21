// A producer for the one-file test ({ db, queue, driver, count, batch }): enqueues `count` jobs in
// transactions of `batch`, pausing between them so that workers drain while it writes.
import { open } from '@honker/core'

const config = JSON.parse(process.env.HONKER_FIXTURE)
const db = open(config.db, { driver: config.driver })
const queue = db.queue(config.queue)
const ids = []
for (let sent = 0; sent < config.count; sent += config.batch) {
  db.transaction((tx) => {
    for (let i = sent; i < Math.min(config.count, sent + config.batch); i++) ids.push(queue.enqueue({ i, from: config.driver }, { tx }))
  })
  await new Promise((resolve) => setTimeout(resolve, 5))
}
process.stdout.write(JSON.stringify({ event: 'enqueued', ids, driver: db.executor.connection.driver.name }) + '\n')
db.close()
