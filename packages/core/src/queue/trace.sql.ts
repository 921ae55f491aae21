import { statement } from '../sql/statement.ts'
import { CLAIMABLE, JOB_COLUMNS } from './queue.sql.ts'

/**
 * The statements of issue 19's trace context, kept out of `queue.sql.ts` (whose statements the SQL
 * functions extension compiles in): only an enqueue with instrumentation on and a context to store
 * uses them, so a plain enqueue binds nothing more.
 */

/** INSERT_KEYED_JOB plus the producer's trace context, stored beside the payload (never in it). */
export const INSERT_TRACED_JOB = statement(
  'insert_traced_job',
  `INSERT INTO _honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at, unique_key, group_key, trace_context)
   VALUES (:queue, :payload, 'pending', :priority, :run_at, 0, :max_attempts, :now, :expires_at, :unique_key, :group_key, :trace_context)
   ON CONFLICT (queue, unique_key) WHERE unique_key IS NOT NULL DO NOTHING
   RETURNING id`,
)

/** A claimed job's stored trace context; read only by an instrumented worker. */
export const GET_TRACE_CONTEXT = statement('get_trace_context', `SELECT trace_context FROM _honker_live WHERE id = :id`)

/**
 * SELECT_CLAIMABLE plus each job's stored trace context (a thirteenth tuple column), for an
 * instrumented worker: the context arrives with the claim instead of one probe per job.
 */
export const SELECT_CLAIMABLE_TRACED = statement(
  'select_claimable_traced',
  `SELECT ${JOB_COLUMNS}, trace_context FROM _honker_live INDEXED BY _honker_live_claim
   WHERE ${CLAIMABLE}`,
)
