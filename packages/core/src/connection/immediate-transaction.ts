import type { DriverConnection, DriverStatement } from '../driver/driver.ts'

/**
 * Transactions issued by core itself (as Drizzle does), so every driver behaves the same and no
 * library's transaction helper is needed: `BEGIN IMMEDIATE` takes the write lock up front (a
 * deferred transaction that reads first can fail with SQLITE_BUSY when it upgrades), and a call
 * inside an open transaction becomes a savepoint that rolls back alone.
 */
interface TransactionStatements {
  begin: DriverStatement
  commit: DriverStatement
  rollback: DriverStatement
  savepoint: DriverStatement
  release: DriverStatement
  rollbackTo: DriverStatement
}

const statements = new WeakMap<DriverConnection, TransactionStatements>()

/** Prepared once per connection: parsing BEGIN and COMMIT on every job is a measurable cost. */
function statementsOf(connection: DriverConnection): TransactionStatements {
  let prepared = statements.get(connection)
  if (prepared === undefined) {
    prepared = {
      begin: connection.prepare('BEGIN IMMEDIATE'),
      commit: connection.prepare('COMMIT'),
      rollback: connection.prepare('ROLLBACK'),
      savepoint: connection.prepare('SAVEPOINT honker'),
      release: connection.prepare('RELEASE honker'),
      rollbackTo: connection.prepare('ROLLBACK TO honker'),
    }
    statements.set(connection, prepared)
  }
  return prepared
}

export function immediateTransaction<T>(connection: DriverConnection, fn: () => T): T {
  const sql = statementsOf(connection)
  if (connection.inTransaction) {
    sql.savepoint.run()
    let result: T
    try {
      result = fn()
    } catch (error) {
      // The outer transaction may already be gone (SQLite rolls back on some errors, e.g. a full disk).
      if (connection.inTransaction) {
        sql.rollbackTo.run()
        sql.release.run()
      }
      throw error
    }
    sql.release.run()
    return result
  }
  sql.begin.run()
  let result: T
  try {
    result = fn()
    sql.commit.run()
  } catch (error) {
    if (connection.inTransaction) sql.rollback.run()
    throw error
  }
  return result
}
