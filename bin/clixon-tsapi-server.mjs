#!/usr/bin/env node
// `clixon-tsapi-server [options]`: the service server alone (what `clixon-tsapi server` runs),
// for a CONTROLLER_ACTION_COMMAND line. Registers tsx and the module hooks, then runs it.
import '../src/runtime/register.mjs';

await import('../src/server.ts');
