#!/usr/bin/env node
// The `peakmatch` bin (dist/cli.js): the one module that runs the CLI when loaded. Everything
// else, including cli.ts, only defines things, so importing the library has no side effects.
import { run } from './cli.js'

void run()
