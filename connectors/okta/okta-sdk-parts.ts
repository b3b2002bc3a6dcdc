import { createRequire } from 'node:module';
import type * as OktaSdk from '@okta/okta-sdk-nodejs';

// The SDK's index loads its generated API classes and models with it: ~0.6 s of every Okta run, and dirsync uses
// none of them (it reads with the SDK's authenticated `http`, its request executors and its OAuth). These are the
// SDK's own modules, required one by one; the package has no `exports` map, so its files are its interface as
// much as its index is. The types are the index's, erased at run time.
const require = createRequire(import.meta.url);

export const RequestExecutor =
  require('@okta/okta-sdk-nodejs/src/request-executor.js') as typeof OktaSdk.RequestExecutor;
export type RequestExecutor = OktaSdk.RequestExecutor;

export const { DefaultRequestExecutor } = require('@okta/okta-sdk-nodejs/src/default-request-executor.js') as {
  DefaultRequestExecutor: typeof OktaSdk.DefaultRequestExecutor;
};
export type DefaultRequestExecutor = OktaSdk.DefaultRequestExecutor;
