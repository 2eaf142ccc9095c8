#!/usr/bin/env node
/** `node bench/synth-many.js <N>`: bench/synth-many.ts, loaded the way scripts/run.js loads a command. */
'use strict';
require('../scripts/run').runEntry('synth-many', 'bench/synth-many.ts', process.argv.slice(2));
