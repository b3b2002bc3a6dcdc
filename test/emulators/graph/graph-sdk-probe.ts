// Drives the REAL @azure/identity and @microsoft/microsoft-graph-client from a child process, so they verify the
// emulator's certificate through NODE_EXTRA_CA_CERTS exactly as in production (nothing turns verification off).
//   NODE_EXTRA_CA_CERTS=<caPath> npx vite-node test/emulators/graph/graph-sdk-probe.ts
// Reads one JSON command per line on stdin, writes one JSON answer per line on stdout. Tokens are never printed.
import { createInterface } from 'node:readline';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { z } from 'zod';

const SCOPES = ['https://graph.microsoft.com/.default'];

const commandSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('init'),
    authorityHost: z.string(),
    graphBaseUrl: z.string(),
    tenantId: z.string(),
    clientId: z.string(),
    clientSecret: z.string().optional(),
    certificatePath: z.string().optional(),
  }),
  z.object({ op: z.literal('token') }),
  z.object({ op: z.literal('get'), url: z.string(), headers: z.record(z.string(), z.string()).optional() }),
  z.object({ op: z.literal('deltaRound'), url: z.string(), maxPageSize: z.number().optional() }),
]);

let credential: TokenCredential | undefined;
let client: Client | undefined;

function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields = error as Error & { statusCode?: unknown; code?: unknown; errorResponse?: unknown };
  return { name: error.name, message: error.message, statusCode: fields.statusCode, code: fields.code };
}

async function run(line: string): Promise<unknown> {
  const command = commandSchema.parse(JSON.parse(line));
  switch (command.op) {
    case 'init': {
      const options = { authorityHost: command.authorityHost, disableInstanceDiscovery: true };
      credential =
        command.certificatePath === undefined
          ? new ClientSecretCredential(command.tenantId, command.clientId, command.clientSecret ?? '', options)
          : new ClientCertificateCredential(
              command.tenantId,
              command.clientId,
              { certificatePath: command.certificatePath },
              options,
            );
      client = Client.initWithMiddleware({
        authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: SCOPES }),
        // The client appends `defaultVersion` to `baseUrl` itself, so it gets the origin, not `…/v1.0`.
        baseUrl: new URL(command.graphBaseUrl).origin,
        customHosts: new Set([new URL(command.graphBaseUrl).hostname]),
        defaultVersion: 'v1.0',
      });
      return { ok: true };
    }
    case 'token': {
      const token = await credential!.getToken(SCOPES);
      if (token === null) throw new Error('getToken returned null');
      const payload = token.token.split('.')[1] ?? '';
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      return {
        ok: true,
        roles: claims['roles'],
        aud: claims['aud'],
        tid: claims['tid'],
        expiresOn: token.expiresOnTimestamp,
      };
    }
    case 'get': {
      let request = client!.api(command.url);
      for (const [name, value] of Object.entries(command.headers ?? {})) request = request.header(name, value);
      return { ok: true, body: (await request.get()) as unknown };
    }
    case 'deltaRound': {
      const started = Date.now();
      const pages: unknown[] = [];
      let next: string | undefined = command.url;
      const seen = new Set<string>();
      while (next !== undefined) {
        if (seen.has(next)) throw new Error(`next link repeats: ${next}`);
        seen.add(next);
        let request = client!.api(next);
        if (command.maxPageSize !== undefined)
          request = request.header('Prefer', `odata.maxpagesize=${command.maxPageSize}`);
        const page = z
          .looseObject({ '@odata.nextLink': z.string().optional(), '@odata.deltaLink': z.string().optional() })
          .parse(await request.get());
        pages.push(page);
        next = page['@odata.nextLink'];
      }
      return { ok: true, pages, elapsedMs: Date.now() - started };
    }
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  let answer: unknown;
  try {
    answer = await run(line);
  } catch (error) {
    answer = { ok: false, error: describeError(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
