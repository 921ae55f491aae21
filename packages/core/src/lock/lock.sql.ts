import { statement } from '../sql/statement.ts'

/**
 * Named TTL leases in `_honker_locks`, with honker's semantics (docs/compatibility.md 2.5): a lease is held
 * while `expires_at > now`; acquire never refreshes a lease it already holds (renew does), and
 * renew and release match (name, owner), so a former owner can never extend or drop a successor's
 * lease (pitfall 8.3.5).
 */

/** Acquire, step 1: a lapsed lease (`expires_at <= now`) no longer blocks anyone. */
export const DELETE_EXPIRED_LOCK = statement(
  'delete_expired_lock',
  `DELETE FROM _honker_locks WHERE name = :name AND expires_at <= :now`,
)

/** Acquire, step 2: take the name if free; a held name (by anyone, this owner included) is left alone. */
export const INSERT_LOCK = statement(
  'insert_lock',
  `INSERT OR IGNORE INTO _honker_locks (name, owner, expires_at) VALUES (:name, :owner, :expires_at)`,
)

/** Who holds a name now, and until when. */
export const GET_LOCK = statement('get_lock', `SELECT owner, expires_at FROM _honker_locks WHERE name = :name`)

/**
 * Extend this owner's lease to now + ttl. Rewriting the same whole second changes no bytes, so
 * SQLite commits nothing and `data_version` stays put: a leader renewing on every wake does not
 * wake itself (docs/compatibility.md 8.4).
 */
export const RENEW_LOCK = statement(
  'renew_lock',
  `UPDATE _honker_locks SET expires_at = :expires_at WHERE name = :name AND owner = :owner`,
)

/** Give the name up, only if this owner still holds it. */
export const RELEASE_LOCK = statement('release_lock', `DELETE FROM _honker_locks WHERE name = :name AND owner = :owner`)
