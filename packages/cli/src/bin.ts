#!/usr/bin/env node
import { main } from './main.ts'

const code = await main(process.argv)
// Exit explicitly: a handler that ignored its abort signal (its job was released) must not keep
// the process alive. Wait for stdout to drain first, so piped output is never cut short.
process.stdout.write('', () => process.exit(code))
