// The one place the app's database engine is chosen: HONKER_ENGINE=postgres runs it on PostgreSQL
// (src/postgres.js: drizzle-orm/node-postgres, @honker/drizzle/pg), anything else on a SQLite file
// (src/sqlite.js: better-sqlite3, @honker/drizzle). Both modules export the same two functions,
// and main.js and worker.js use only these.
//
// createFreshDatabase(): Promise<{ location, shown, drop({ keep }) }>
//   A new, empty database for this run: a file in a temp directory, or a new database (CREATE
//   DATABASE) on DATABASE_URL's server or on a throwaway cluster started for the run. `location`
//   is what openApp() takes in any process; drop() removes it and resolves to whether it is kept.
//
// openApp(location, { migrate }): Promise<App>, where App is
//   db, honker          Drizzle and Honker on the same database
//   tables              { orders, emails }, the app's Drizzle tables
//   checkout(order)     the order row, its email job and its stream event in ONE Drizzle
//                       transaction; resolves to { orderId, jobId }; a declined card rolls back all three
//   sendEmail(job, by)  the worker's Drizzle transaction: the emails row, the order marked emailed
//                       and an EMAIL_SENT_CHANNEL notification
//   liveJobs()          jobs still in Honker's queue table, read through Drizzle
//   migrationChecks     [ok, what][] about the migrations, when opened with { migrate: true }
//   close()
export { CardDeclined, EMAIL_QUEUE, EMAIL_SENT_CHANNEL, ORDER_STREAM } from './common.js'

const value = process.env.HONKER_ENGINE ?? 'sqlite'
if (value !== 'sqlite' && value !== 'postgres') throw new Error(`HONKER_ENGINE must be sqlite or postgres, not ${JSON.stringify(value)}`)

/** 'sqlite' or 'postgres' */
export const ENGINE = value

export const { createFreshDatabase, openApp } = ENGINE === 'postgres' ? await import('./postgres.js') : await import('./sqlite.js')
