import { insertRowid, type Executor, type Mode, type Result } from '../executor/executor.ts'
import { encodePayload } from '../payload.ts'
import { requireName } from '../validate.ts'
import { INSERT_NOTIFICATION } from './notify.sql.ts'

/**
 * Validate and encode once, before anything is written: a bad channel or a payload JSON cannot
 * carry throws here and the transaction it was meant for is left untouched.
 * @internal
 */
export function notificationParams(
  channel: string,
  payload: unknown,
  now: number,
  maxPayloadBytes?: number,
): Record<string, unknown> {
  return { channel: requireName(channel, 'channel'), payload: encodePayload(payload, 'payload', maxPayloadBytes), now }
}

/**
 * Insert one notification through any executor (one statement, so it joins the caller's
 * transaction); returns its id, synchronously on a sync executor and as a promise on an async one.
 * Listeners see it once the transaction commits; a rollback drops it.
 */
export function notifyWith<M extends Mode>(
  executor: Executor<M>,
  channel: string,
  payload: unknown,
  now: number,
  maxPayloadBytes?: number,
): Result<M, number> {
  const params = INSERT_NOTIFICATION.bind(notificationParams(channel, payload, now, maxPayloadBytes))
  return insertRowid(executor, INSERT_NOTIFICATION, params, 'id')
}
