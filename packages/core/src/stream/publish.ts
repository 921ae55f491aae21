import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { insertRowid, type Executor, type Mode, type Result } from '../executor/executor.ts'
import { encodePayload } from '../payload.ts'
import { requireName, requireObject } from '../validate.ts'
import { INSERT_EVENT } from './stream.sql.ts'

/**
 * Validate and encode once, before anything is written, so a bad topic, key or payload leaves the
 * caller's transaction untouched.
 * @internal
 */
export function eventParams(
  topic: string,
  payload: unknown,
  key: string | null | undefined,
  now: number,
  maxPayloadBytes?: number,
): Record<string, unknown> {
  requireName(topic, 'topic')
  if (key !== undefined && key !== null && typeof key !== 'string') {
    throw new InvalidArgumentError('key', `must be a string or null, got ${typeof key}`)
  }
  return { topic, key: key ?? null, payload: encodePayload(payload, 'payload', maxPayloadBytes), now }
}

/**
 * Append one event through any executor (one statement, so it joins the caller's transaction);
 * `options` is `{ key }` as every adapter's `publish` takes it. Returns its offset, synchronously on a sync executor and as a promise on an async one.
 */
export function publishWith<M extends Mode>(
  executor: Executor<M>,
  topic: string,
  payload: unknown,
  options: { key?: string | null } | undefined,
  now: number,
  maxPayloadBytes?: number,
): Result<M, number> {
  // Checked here, once for core and every adapter: a string passed as options must not drop the key.
  requireObject(options, 'options')
  const params = INSERT_EVENT.bind(eventParams(topic, payload, options?.key, now, maxPayloadBytes))
  return insertRowid(executor, INSERT_EVENT, params, 'offset')
}
