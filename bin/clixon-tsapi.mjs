#!/usr/bin/env node
// The `clixon-tsapi` command. Nothing in this package is compiled: register tsx and the
// module hooks first, then run the TypeScript command line.
import '../src/runtime/register.mjs';

await import('../src/cli.ts');
