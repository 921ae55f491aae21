#!/usr/bin/env node
// honker-prisma migrate [--url file:./dev.db] [--dir prisma/migrations]
// honker-prisma add-migration [--dir prisma/migrations] [--name honker]
// See src/cli.ts (compiled to dist/cli.js) and docs/adapters/prisma.md.
import { main } from '../dist/cli.js'

process.exitCode = main(process.argv.slice(2))
