// Runs the REAL checks (with @okta/okta-sdk-nodejs, @azure/identity and the Graph client) in a child process that
// trusts an emulator's CA through NODE_EXTRA_CA_CERTS, as `dirsync check` would in production:
//   NODE_EXTRA_CA_CERTS=<caPath> node node_modules/vite-node/vite-node.mjs test/integration/check/check-driver.ts
// One JSON command per stdin line; one JSON line per answer: the check results, or the error that escaped them.
import { createInterface } from 'node:readline';
import { parseGraphConfig } from '../../../connectors/graph/graph-config.js';
import { parseOktaConfig } from '../../../connectors/okta/okta-config.js';
import { checkGraph } from '../../../src/check/check-graph.js';
import { runChecks } from '../../../src/check/run-checks.js';
import type { RunChecksInput } from '../../../src/check/run-checks.js';

/** What the test sends: the IdP as its environment variables, and the rest of `runChecks`' input as is. */
export interface CheckDriverCommand {
  readonly check: 'graph' | 'all';
  readonly idp: 'okta' | 'graph' | 'sandbox';
  readonly env: Record<string, string>;
  readonly rest?: Omit<RunChecksInput, 'idp'>;
  readonly timeoutMs?: number;
}

function idpOf(command: CheckDriverCommand): RunChecksInput['idp'] {
  switch (command.idp) {
    case 'okta':
      return { kind: 'okta', okta: parseOktaConfig(command.env) };
    case 'graph':
      return { kind: 'graph', graph: parseGraphConfig(command.env) };
    case 'sandbox':
      return { kind: 'sandbox', file: command.env['DIRSYNC_SANDBOX_FILE'] };
  }
}

async function run(line: string): Promise<unknown> {
  const command = JSON.parse(line) as CheckDriverCommand;
  try {
    const idp = idpOf(command);
    const timeout = command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs };
    if (command.check === 'graph') {
      if (idp.kind !== 'graph') throw new Error('check graph needs idp graph');
      return { results: await checkGraph(idp.graph, timeout) };
    }
    if (command.rest === undefined) throw new Error('check all needs rest');
    return { results: await runChecks({ ...command.rest, idp, ...timeout }) };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await run(line))}\n`);
}
