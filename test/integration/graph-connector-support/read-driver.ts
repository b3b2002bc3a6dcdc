// Runs the REAL GraphConnector (with @azure/identity and the Graph client) in a child process that trusts the
// emulator's CA through NODE_EXTRA_CA_CERTS, as in production:
//   NODE_EXTRA_CA_CERTS=<caPath> node node_modules/vite-node/vite-node.mjs test/integration/graph-connector-support/read-driver.ts
// One JSON command per stdin line (the connector's env, the read request); one JSON answer per stdout line with the
// pages, every HTTP attempt the connector reported, and the read result or the error (kind and message).
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ConnectorError } from '../../../connectors/connector-error.js';
import { parseGraphConfig } from '../../../connectors/graph/graph-config.js';
import { GraphConnector } from '../../../connectors/graph/graph-connector.js';
import type { GraphRequestEvent } from '../../../connectors/graph/graph-http.js';
import type { DirectoryChange } from '../../../src/core/model/directory-change.js';

const commandSchema = z.object({
  env: z.record(z.string(), z.string()),
  full: z.boolean(),
  cursor: z.string().nullable(),
  maxPageSize: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).optional(),
  extraUserProperties: z.array(z.string()).optional(),
});

async function run(line: string): Promise<unknown> {
  const command = commandSchema.parse(JSON.parse(line));
  const requests: GraphRequestEvent[] = [];
  const pages: (readonly DirectoryChange[])[] = [];
  try {
    const connector = new GraphConnector(parseGraphConfig(command.env), {
      onRequest: (event) => requests.push(event),
      ...(command.maxPageSize === undefined ? {} : { maxPageSize: command.maxPageSize }),
      ...(command.maxRetries === undefined ? {} : { maxRetries: command.maxRetries }),
      ...(command.extraUserProperties === undefined ? {} : { extraUserProperties: command.extraUserProperties }),
    });
    const read = connector.read({ full: command.full, cursor: command.cursor });
    for (;;) {
      const next = await read.next();
      if (next.done === true) return { ok: true, source: connector.source, pages, requests, result: next.value };
      pages.push(next.value.changes);
    }
  } catch (error) {
    const kind = error instanceof ConnectorError ? error.kind : 'not-a-connector-error';
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, pages, requests, error: { kind, message } };
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await run(line))}\n`);
}
