import { Agent } from 'node:https';
import { DefaultRequestExecutor } from '@okta/okta-sdk-nodejs';

type SdkRequest = Parameters<DefaultRequestExecutor['fetch']>[0];

/**
 * The SDK's own request executor (429 retries and all) with every request, the OAuth token request included, sent
 * through an `https.Agent` that trusts the emulator's CA. Verification stays on; nothing global is touched.
 */
export class OktaCaTrustingRequestExecutor extends DefaultRequestExecutor {
  private readonly agent: Agent;

  constructor(
    caPem: string,
    config: { maxRetries: number; requestTimeout: number } = { maxRetries: 2, requestTimeout: 0 },
  ) {
    super(config);
    this.agent = new Agent({ ca: caPem, keepAlive: false });
  }

  override fetch(request: SdkRequest): ReturnType<DefaultRequestExecutor['fetch']> {
    request.agent = this.agent;
    return super.fetch(request);
  }
}
