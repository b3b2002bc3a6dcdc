#!/usr/bin/env node
import { limitHeapGrowth } from './heap-growth.js';
import { runCli } from './cli/run-cli.js';

limitHeapGrowth();
process.exitCode = await runCli(process.argv.slice(2), process.env);
