import { statement } from '../sql/statement.ts'

/**
 * Fixed-window counters shared with honker 0.5's `honker_rate_limit_try` / `_sweep`
 * (docs/compatibility.md 2.6): one `_honker_rate_limits` row per (name, window_start), where window_start
 * is the window's first unix second. `:now`-derived values are computed by the caller from one
 * clock reading so the window and the sweep cut-off agree.
 */

/**
 * Take one slot of the current window: insert the window with count 1, or add one only while the
 * count is below the limit. `changes` is 1 when a slot was taken and 0 when the window is full, so
 * a rejected call writes nothing and is not counted (honker's rule). One statement, so two
 * processes racing for the last slot cannot both win.
 */
export const TRY_RATE_LIMIT = statement(
  'try_rate_limit',
  `INSERT INTO _honker_rate_limits (name, window_start, count) VALUES (:name, :window_start, 1)
   ON CONFLICT (name, window_start) DO UPDATE SET count = count + 1 WHERE count < :limit`,
)

/** Slots already taken in one window (absent row: none). */
export const RATE_LIMIT_COUNT = statement(
  'rate_limit_count',
  `SELECT count FROM _honker_rate_limits WHERE name = :name AND window_start = :window_start`,
)

/** Forget windows that started before the cut-off; every name at once, like honker's sweep. */
export const SWEEP_RATE_LIMITS = statement(
  'sweep_rate_limits',
  `DELETE FROM _honker_rate_limits WHERE window_start < :cutoff`,
)
