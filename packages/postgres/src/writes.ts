import {
  encodePayload,
  InvalidArgumentError,
  MAX_SECONDS,
  optionalInteger,
  requireInteger,
  requireName,
  requireObject,
  toUnixSeconds,
  type EnqueueOptions,
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
  requireObject(options, 'options')
  const priority = optionalInteger(options?.priority, 'priority') ?? 0
  const delayS = optionalInteger(options?.delayS, 'delayS', { min: 0, max: MAX_SECONDS }) ?? null
  const runAt = options?.runAt === undefined ? null : toUnixSeconds(options.runAt, 'runAt')
  const maxAttempts = optionalInteger(options?.maxAttempts, 'maxAttempts', { min: 1 }) ?? defaultMaxAttempts
  const expiresS = optionalInteger(options?.expiresS, 'expiresS', { min: 1, max: MAX_SECONDS }) ?? null
  const texts = payloads.map((payload) => encodePayload(payload, 'payload', context.maxPayloadBytes))
  if (texts.length === 0) return []
  const wake = wakeKey('q', queue)
  if (texts.length === 1) {
    const { rows } = await runStatement<{ id: string }>(context, runner, context.jobs.insertOne, [queue, texts[0], priority, runAt, delayS, maxAttempts, expiresS, wake])
    return [Number(rows[0]!.id)]
  }
  const { rows } = await runStatement<{ ids: string[] }>(context, runner, context.jobs.insert, [queue, texts, priority, runAt, delayS, maxAttempts, expiresS, wake])
  return rows[0]!.ids.map(Number)
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
