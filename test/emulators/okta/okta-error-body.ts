import { randomBytes } from 'node:crypto';

/** The JSON error object of the Okta management API; `errorId` is a fresh `oae…` id as Okta's are. */
export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

export function oktaErrorBody(errorCode: string, errorSummary: string, causes: string[] = []): OktaErrorBody {
  return {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    errorId: `oae${randomBytes(11).toString('base64url').slice(0, 19)}`,
    errorCauses: causes.map((errorSummary) => ({ errorSummary })),
  };
}
