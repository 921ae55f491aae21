import type { Database, DriverName } from '@honker/core'
import { STREAM_LAST_OFFSET, type Driver } from '@honker/core/adapter'
import { cliDriver, openHonker, openReadonly } from '../database.ts'
import { EXIT_OK, outputClosedError, usageError } from '../errors.ts'
import { parseStored, stdoutFailure, writeConfirmed } from '../output.ts'
import { listenForShutdown } from '../shutdown.ts'

export interface TailCommandOptions {
  db: string
  driver?: DriverName
  channel?: string
  stream?: string
  from?: number
  consumer?: string
  limit?: number
  create?: boolean
}

/** Events read per query while catching up on a stream. */
const PAGE = 1000
/** Re-read after this long without a wake, in case one was lost (wakes are hints). */
const FALLBACK_POLL_MS = 15_000

/**
 * `honker tail`: print notifications on a channel, or events of a stream, as JSON lines as they
 * commit (from any process), until SIGINT/SIGTERM or --limit. A closed stdout (EPIPE) stops it
 * with `output_closed`; as a consumer, the event it could not write is not acked.
 */
export async function tailCommand(options: TailCommandOptions): Promise<number> {
  if ((options.channel === undefined) === (options.stream === undefined)) {
    throw usageError('give exactly one of --channel <name> or --stream <topic>')
  }
  if (options.channel !== undefined && (options.from !== undefined || options.consumer !== undefined)) {
    throw usageError('--from and --consumer apply to --stream; a channel has no replay (use a stream for that)')
  }
  const driver = cliDriver({ name: options.driver })
  const db = openHonker(options.db, { driver, createFlag: true, create: options.create === true })
  const shutdown = listenForShutdown()
  try {
    if (options.channel !== undefined) await tailChannel(db, options.channel, shutdown.signal, options.limit)
    else if (options.consumer !== undefined) await tailAsConsumer(db, options, shutdown.signal)
    else await tailStream(db, driver, options, shutdown.signal)
  } finally {
    shutdown.dispose()
    db.close()
  }
  const failed = stdoutFailure()
  if (failed !== null) throw outputClosedError(failed, 'tail stopped')
  return EXIT_OK
}

/** One JSON line; false when stdout has closed and the line was not written (the tail then stops). */
function printLine(value: unknown): Promise<boolean> {
  return writeConfirmed(`${JSON.stringify(value)}\n`)
}

async function tailChannel(db: Database, channel: string, signal: AbortSignal, limit: number | undefined): Promise<void> {
  if (limit === 0) return
  const listener = db.listen(channel, { signal })
  ready(`following channel ${JSON.stringify(channel)}`)
  let printed = 0
  for await (const notification of listener) {
    const written = await printLine({
      id: notification.id,
      channel: notification.channel,
      payload: parseStored(notification.payloadText),
      createdAt: notification.createdAt,
    })
    if (!written || ++printed === limit) return
  }
}

/**
 * Say on stderr (stdout is only JSON) that the tail is subscribed: anything committed from now on
 * is printed. Scripts and tests can wait for this line before they write.
 */
function ready(what: string): void {
  process.stderr.write(`honker tail: ${what} (Ctrl-C stops)\n`)
}

function printEvent(event: { offset: number; topic: string; key: string | null; payloadText: string; createdAt: number }): Promise<boolean> {
  return printLine({ offset: event.offset, topic: event.topic, key: event.key, payload: parseStored(event.payloadText), createdAt: event.createdAt })
}

/** The topic's last offset now: a tail starts there unless --from says otherwise. */
function lastOffset(file: string, driver: Driver, topic: string): number {
  const reader = openReadonly(file, driver)
  try {
    return Number(reader.prepare(STREAM_LAST_OFFSET.text).value(STREAM_LAST_OFFSET.bind({ topic })))
  } finally {
    reader.close()
  }
}

/** Follow a topic without a consumer: nothing is saved, so tailing never moves anyone's offset. */
async function tailStream(db: Database, driver: Driver, options: TailCommandOptions, signal: AbortSignal): Promise<void> {
  const stream = db.stream(options.stream!)
  if (options.limit === 0) return
  // Subscribe before the first read: an event committed between that read and the wait wakes us.
  const subscription = db.subscribe()
  try {
    let position = options.from ?? lastOffset(options.db, driver, stream.topic)
    ready(`following stream ${JSON.stringify(stream.topic)} after offset ${position}`)
    let printed = 0
    while (!signal.aborted) {
      const events = stream.readSince(position, PAGE)
      for (const event of events) {
        if (!(await printEvent(event))) return
        position = event.offset
        if (++printed === options.limit) return
      }
      if (events.length > 0) continue
      if ((await subscription.wait({ timeoutMs: FALLBACK_POLL_MS, signal })) === 'aborted') return
    }
  } finally {
    subscription.close()
  }
}

/** Follow a topic as a named consumer: resumes from, and saves, its offset (at-least-once). */
async function tailAsConsumer(db: Database, options: TailCommandOptions, signal: AbortSignal): Promise<void> {
  if (options.limit === 0) return
  const subscription = db.stream(options.stream!).subscribe({
    consumer: options.consumer!,
    signal,
    ...(options.from === undefined ? {} : { fromOffset: options.from }),
  })
  ready(`following stream ${JSON.stringify(subscription.topic)} as consumer ${JSON.stringify(subscription.consumer)} after offset ${options.from ?? subscription.savedOffset}`)
  let printed = 0
  try {
    for await (const event of subscription) {
      // Not written (stdout closed): not acked, so the consumer gets it again next time.
      if (!(await printEvent(event))) return
      // Written is handled: count it as finished so stopping right after saves it.
      subscription.ack()
      if (++printed === options.limit) return
    }
  } finally {
    subscription.close()
  }
}
