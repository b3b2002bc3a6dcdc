// Runs the SCIM emulator as a process of its own, for poking at it by hand or from another language:
//   npx vite-node test/emulators/scim/scim-test-server-main.ts -- --port 8080 --token secret --mode limited
// `--bulk-max-operations N --bulk-max-payload-size BYTES` (both) serve /Bulk with those limits.
// Prints one JSON line {"baseUrl": "..."} on stdout once listening; stops on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { ScimTestServer } from './scim-test-server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    token: { type: 'string', default: 'scim-test-token' },
    mode: { type: 'string', default: 'strict' },
    dialect: { type: 'string' },
    'max-page-size': { type: 'string' },
    'bulk-max-operations': { type: 'string' },
    'bulk-max-payload-size': { type: 'string' },
  },
  allowPositionals: true,
});

const mode = values.mode;
if (mode !== 'strict' && mode !== 'limited') throw new Error(`--mode must be strict or limited, not ${mode}`);
const dialect = values.dialect;
if (dialect !== undefined && dialect !== 'dovetail') throw new Error(`--dialect must be dovetail, not ${dialect}`);
const maxPageSize = values['max-page-size'] === undefined ? undefined : Number(values['max-page-size']);
const bulkOperations = values['bulk-max-operations'];
const bulkPayload = values['bulk-max-payload-size'];
if ((bulkOperations === undefined) !== (bulkPayload === undefined)) {
  throw new Error('--bulk-max-operations and --bulk-max-payload-size go together');
}
const bulk =
  bulkOperations === undefined || bulkPayload === undefined
    ? undefined
    : { maxOperations: Number(bulkOperations), maxPayloadSize: Number(bulkPayload) };

const server = new ScimTestServer({
  port: Number(values.port),
  token: values.token,
  mode,
  ...(dialect === undefined ? {} : { dialect }),
  ...(maxPageSize === undefined ? {} : { maxPageSize }),
  ...(bulk === undefined ? {} : { bulk }),
});
const baseUrl = await server.start();
process.stdout.write(`${JSON.stringify({ baseUrl })}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.stop().then(() => process.exit(0));
  });
}
