import {
  encodePayload,
  getInstrumentation,
  InvalidArgumentError,
  MAX_SECONDS,
  optionalInteger,
  requireInteger,
  requireName,
  requireObject,
  toUnixSeconds,
  type EnqueueOptions,
  type UniqueEnqueueResult,
} from '@honker/core/engine'
import { toHonkerError } from './errors.ts'
import { orderingLockName, wakeKey } from './names.ts'
import type { PgQueryable, PgQueryResult } from './pg.ts'
import type { JobStatements } from './sql/jobs.pg.sql.ts'
import type { MessageStatements } from './sql/messages.pg.sql.ts'
import type { PgStatement } from './sql/statement.ts'

/**
 * What the writes that join a caller's transaction need: the schema's statements, the payload
 * limit and the time. The engine is one; an ORM adapter's `pgWriter(schema)` is another.
 */
export interface WriteContext {
  readonly schema: string
  readonly jobs: JobStatements
  readonly messages: MessageStatements
  readonly maxPayloadBytes: number
  nowParam(): number | null
  /** Whether statements are prepared by name on the connection. */
  readonly prepared: boolean
}

export async function runStatement<Row>(
  context: Pick<WriteContext, 'nowParam' | 'prepared'>,
  runner: PgQueryable,
  statement: PgStatement,
  values: readonly unknown[],
): Promise<PgQueryResult<Row>> {
  const config = { text: statement.text, values: [context.nowParam(), ...values], ...(context.prepared ? { name: statement.name } : {}) }
  try {
    return await runner.query<Row>(config)
  } catch (error) {
    throw toHonkerError(error)
  }
}

/** The per-job options as the insert statements bind them: checked once, coded errors otherwise. */
function jobOptions(options: EnqueueOptions | undefined, defaultMaxAttempts: number) {
  requireObject(options, 'options')
  return {
    priority: optionalInteger(options?.priority, 'priority') ?? 0,
    delayS: optionalInteger(options?.delayS, 'delayS', { min: 0, max: MAX_SECONDS }) ?? null,
    runAt: options?.runAt === undefined ? null : toUnixSeconds(options.runAt, 'runAt'),
    maxAttempts: optionalInteger(options?.maxAttempts, 'maxAttempts', { min: 1 }) ?? defaultMaxAttempts,
    expiresS: optionalInteger(options?.expiresS, 'expiresS', { min: 1, max: MAX_SECONDS }) ?? null,
    group: options?.group === undefined ? null : requireName(options.group, 'group'),
  }
}

/** Insert jobs sharing their options, in one statement; ids in payload order. */
export async function insertJobs(
  context: WriteContext,
  runner: PgQueryable,
  queue: string,
  payloads: readonly unknown[],
  options: EnqueueOptions | undefined,
  defaultMaxAttempts: number,
): Promise<number[]> {
  requireName(queue, 'queue')
  if (!Array.isArray(payloads)) throw new InvalidArgumentError('payloads', 'must be an array')
  const { priority, runAt, delayS, maxAttempts, expiresS, group } = jobOptions(options, defaultMaxAttempts)
  if (options?.uniqueKey !== undefined) {
    if (payloads.length !== 1) throw new InvalidArgumentError('uniqueKey', 'holds for one job: enqueue each job with its own key')
    requireName(options.uniqueKey, 'uniqueKey')
  }
  const texts = payloads.map((payload) => encodePayload(payload, 'payload', context.maxPayloadBytes))
  if (texts.length === 0) return []
  const wake = wakeKey('q', queue)
  const insert = async (traceContext: string | null): Promise<number[]> => {
    if (texts.length === 1) {
      const values = [queue, texts[0], priority, runAt, delayS, maxAttempts, expiresS, wake, group]
      const { rows } =
        traceContext === null
          ? await runStatement<{ id: string }>(context, runner, context.jobs.insertOne, values)
          : await runStatement<{ id: string }>(context, runner, context.jobs.insertTraced, [...values, null, traceContext])
      return [Number(rows[0]!.id)]
    }
    const values = [queue, texts, priority, runAt, delayS, maxAttempts, expiresS, wake, group]
    const { rows } =
      traceContext === null
        ? await runStatement<{ ids: string[] }>(context, runner, context.jobs.insert, values)
        : await runStatement<{ ids: string[] }>(context, runner, context.jobs.insertManyTraced, [...values, traceContext])
    return rows[0]!.ids.map(Number)
  }
  const instrumentation = getInstrumentation()
  return instrumentation === undefined ? insert(null) : instrumentation.enqueue(queue, texts.length, insert)
}

/**
 * Insert one job unless a live job of the queue holds `options.uniqueKey`. An expired holder never
 * blocks its key: it goes to the dead letters first and the insert runs again. Each step is its own
 * statement, so the holder read sees a job another transaction committed while the insert waited.
 */
export async function insertUniqueJob(
  context: WriteContext,
  runner: PgQueryable,
  queue: string,
  payload: unknown,
  options: EnqueueOptions & { uniqueKey: string },
  defaultMaxAttempts: number,
): Promise<UniqueEnqueueResult> {
  requireName(queue, 'queue')
  const { priority, runAt, delayS, maxAttempts, expiresS, group } = jobOptions(options, defaultMaxAttempts)
  const key = requireName(options.uniqueKey, 'uniqueKey')
  const text = encodePayload(payload, 'payload', context.maxPayloadBytes)
  const values = [queue, text, priority, runAt, delayS, maxAttempts, expiresS, wakeKey('q', queue), group, key]
  const instrumentation = getInstrumentation()
  if (instrumentation === undefined) return insertUnique(context, runner, queue, key, values, null)
  return instrumentation.enqueue(queue, 1, (traceContext) => insertUnique(context, runner, queue, key, values, traceContext))
}

async function insertUnique(
  context: WriteContext,
  runner: PgQueryable,
  queue: string,
  key: string,
  values: unknown[],
  traceContext: string | null,
): Promise<UniqueEnqueueResult> {
  const insert = async () =>
    (traceContext === null
      ? await runStatement<{ id: string }>(context, runner, context.jobs.insertUnique, values)
      : await runStatement<{ id: string }>(context, runner, context.jobs.insertTraced, [...values, traceContext])
    ).rows[0]?.id
  const created = await insert()
  if (created !== undefined) return { id: Number(created), created: true }
  const holder = (await runStatement<{ id: string; expired: boolean }>(context, runner, context.jobs.keyHolder, [queue, key])).rows[0]
  if (holder === undefined) {
    // The holder finished between the two statements: the key is free now.
    const again = await insert()
    if (again !== undefined) return { id: Number(again), created: true }
    return insertUnique(context, runner, queue, key, values, traceContext)
  }
  if (!holder.expired) return { id: Number(holder.id), created: false }
  await runStatement(context, runner, context.jobs.buryExpired, [holder.id])
  const id = await insert()
  if (id === undefined) return insertUnique(context, runner, queue, key, values, traceContext)
  return { id: Number(id), created: true }
}

export async function insertNotification(context: WriteContext, runner: PgQueryable, channel: string, payload: unknown): Promise<number> {
  requireName(channel, 'channel')
  const text = encodePayload(payload, 'payload', context.maxPayloadBytes)
  const { rows } = await runStatement<{ id: string }>(context, runner, context.messages.notify, [
    channel,
    text,
    wakeKey('n', channel),
    orderingLockName(context.schema, 'n', channel),
  ])
  return Number(rows[0]!.id)
}

export async function appendEvent(context: WriteContext, runner: PgQueryable, topic: string, payload: unknown, options: { key?: string | null } | undefined): Promise<number> {
  requireName(topic, 'topic')
  requireObject(options, 'options')
  const key = options?.key === undefined || options.key === null ? null : requireName(options.key, 'key')
  const text = encodePayload(payload, 'payload', context.maxPayloadBytes)
  const { rows } = await runStatement<{ offset: string }>(context, runner, context.messages.publish, [
    topic,
    key,
    text,
    orderingLockName(context.schema, 's', topic),
    wakeKey('s', topic),
  ])
  return Number(rows[0]!.offset)
}

/** Move a consumer's offset forward (never back); true when it moved. */
export async function saveOffsetOn(context: WriteContext, runner: PgQueryable, consumer: string, topic: string, offset: number): Promise<boolean> {
  requireName(consumer, 'consumer')
  requireName(topic, 'topic')
  requireInteger(offset, 'offset', { min: 0 })
  return (await runStatement(context, runner, context.messages.saveOffset, [consumer, topic, offset])).rows.length === 1
}
