import { mapResult, type Executor, type Mode, type Result } from '../executor/executor.ts'
import { requireInteger, requireName } from '../validate.ts'
import { SAVE_OFFSET } from './stream.sql.ts'

/**
 * Save a consumer's offset through any executor, monotonically: true iff it moved forward (or was
 * first saved). Run it in the transaction that applied the events' effects to make their handling
 * exactly-once.
 */
export function saveOffsetWith<M extends Mode>(
  executor: Executor<M>,
  consumer: string,
  topic: string,
  offset: number,
): Result<M, boolean> {
  const params = SAVE_OFFSET.bind({
    consumer: requireName(consumer, 'consumer'),
    topic: requireName(topic, 'topic'),
    offset: requireInteger(offset, 'offset', { min: 0 }),
  })
  return mapResult(executor.run(SAVE_OFFSET, params), (result) => result.changes === 1)
}
