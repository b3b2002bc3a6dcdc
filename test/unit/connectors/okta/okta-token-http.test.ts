import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { RequestExecutor } from '../../../../connectors/okta/okta-sdk-parts.js';
import { OktaTokenHttp } from '../../../../connectors/okta/okta-token-http.js';

const require = createRequire(import.meta.url);
// The SDK's own filter, to hold the token path to the same errors.
const { Http } = require('@okta/okta-sdk-nodejs/src/http.js') as {
  Http: { errorFilter(response: unknown): Promise<unknown> };
};

interface Sent {
  url?: string;
  method?: string;
  headers?: Record<string, string>;
}

function answering(status: number, body: string): { executor: RequestExecutor; sent: Sent[] } {
  const sent: Sent[] = [];
  const response = () => ({
    status,
    url: 'https://acme.okta.example/api/v1/users',
    headers: new Map([['x-okta-request-id', 'r1']]),
    text: () => Promise.resolve(body),
  });
  const executor = {
    fetch: (request: Sent) => {
      sent.push({ ...request });
      return Promise.resolve(response());
    },
  } as unknown as RequestExecutor;
  return { executor, sent };
}

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return { answered: ((await promise) as { status: number }).status };
  } catch (error) {
    const { name, message, status } = error as { name: string; message: string; status: unknown };
    return { name, message, status, own: Object.keys(error as object).sort() };
  }
}

describe('OktaTokenHttp (the SDK Http of an API token)', () => {
  it('sends the default headers under the request’s own, GET unless said, on the very request object', async () => {
    const { executor, sent } = answering(200, '[]');
    const http = new OktaTokenHttp(executor);
    http.defaultHeaders['Authorization'] = 'SSWS secret';
    http.defaultHeaders['User-Agent'] = 'agent';
    const request = { headers: { Accept: 'application/json', 'User-Agent': 'mine' } };

    // The SDK's type of a request leaves out node-fetch's options (headers, method).
    await http.http(
      'https://acme.okta.example/api/v1/users?limit=200',
      request as Parameters<OktaTokenHttp['http']>[1],
    );

    expect(sent).toEqual([
      {
        url: 'https://acme.okta.example/api/v1/users?limit=200',
        method: 'get',
        headers: { Authorization: 'SSWS secret', 'User-Agent': 'mine', Accept: 'application/json' },
      },
    ]);
    expect(request).toMatchObject({ url: 'https://acme.okta.example/api/v1/users?limit=200', method: 'get' });
  });

  it.each([
    ['2xx', 200, '[]'],
    ['an Okta error body', 403, '{"errorCode":"E0000006","errorSummary":"You do not have permission"}'],
    ['JSON without an errorCode', 500, '{"message":"boom"}'],
    ['JSON null', 502, 'null'],
    ['a text body', 503, '<html>Service Unavailable</html>'],
    ['an empty body', 504, ''],
  ])('answers %s exactly as the SDK’s error filter does', async (_what, status, body) => {
    const { executor } = answering(status, body);
    const ours = await outcome(new OktaTokenHttp(executor).http('https://acme.okta.example/api/v1/users'));
    const { executor: again } = answering(status, body);
    const sdks = await outcome(
      again.fetch({ url: 'https://acme.okta.example/api/v1/users' }).then((r) => Http.errorFilter(r)),
    );
    expect(ours).toEqual(sdks);
  });
});
