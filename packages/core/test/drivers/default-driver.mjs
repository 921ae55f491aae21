// Prints the driver open(path) picks with no driver option and no HONKER_DRIVER, in this runtime.
import { open } from '@honker/core'

delete process.env.HONKER_DRIVER
const db = open(process.argv[2])
process.stdout.write(JSON.stringify({ driver: db.executor.connection.driver.name }) + '\n')
db.close()
