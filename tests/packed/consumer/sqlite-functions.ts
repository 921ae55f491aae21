// @honker/sqlite-functions on the app's own better-sqlite3 connection.
import Sqlite from 'better-sqlite3'
import { ENTRY_POINT, extensionPath, registerFunctions, type RegisterFunctionsOptions } from '@honker/sqlite-functions'

const sqlite = new Sqlite('app.db')
const options: RegisterFunctionsOptions = { migrate: true }
registerFunctions(sqlite, options)
sqlite.prepare(`SELECT honker_enqueue('receipts', json_object('order', 1), NULL, NULL, 0, 3, NULL)`).run()
console.log(ENTRY_POINT, extensionPath)
