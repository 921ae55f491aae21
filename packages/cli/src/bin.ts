#!/usr/bin/env node
import { main } from './main.ts'

import { stdoutFailure } from './output.ts'

const code = await main(process.argv)
// Exit explicitly: a handler that ignored its abort signal (its job was released) must not keep
// the process alive. Wait for stdout to drain first, so piped output is never cut short (unless
// stdout is gone: nothing is left to drain).
if (stdoutFailure() !== null) process.exit(code)
else process.stdout.write('', () => process.exit(code))
