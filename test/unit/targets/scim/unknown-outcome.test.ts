import { describe, expect, it } from 'vitest';
import { isAnswerTimeout, isUnknownOutcome, wireErrorCode } from '../../../../src/targets/scim/unknown-outcome.js';

describe('isUnknownOutcome', () => {
  it('a 5xx may have landed; a 429 or another answer below 500 did not', () => {
    expect(isUnknownOutcome({ status: 500 })).toBe(true);
    expect(isUnknownOutcome({ status: 503 })).toBe(true);
    expect(isUnknownOutcome({ status: 429 })).toBe(false);
    expect(isUnknownOutcome({ status: 409 })).toBe(false);
  });

  it('a connection that never opened did not land; a dropped one or a timeout may have', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']) {
      expect(isUnknownOutcome({ code }), code).toBe(false);
    }
    for (const code of ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      expect(isUnknownOutcome({ code }), code).toBe(true);
    }
  });
});

describe('wireErrorCode', () => {
  it("finds undici's code or a socket errno on the error or its causes", () => {
    expect(wireErrorCode(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe(
      'UND_ERR_SOCKET',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(wireErrorCode(new Error('fetch failed', { cause: refused }))).toBe('ECONNREFUSED');
  });

  it('anything else is not a transport failure (a defect, thrown as it is)', () => {
    expect(wireErrorCode(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
    expect(wireErrorCode(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeUndefined();
    expect(wireErrorCode('ECONNRESET')).toBeUndefined();
    expect(wireErrorCode(null)).toBeUndefined();
  });

  it('tells the answer timeouts from the connect timeout', () => {
    expect(isAnswerTimeout('UND_ERR_HEADERS_TIMEOUT')).toBe(true);
    expect(isAnswerTimeout('UND_ERR_BODY_TIMEOUT')).toBe(true);
    expect(isAnswerTimeout('UND_ERR_CONNECT_TIMEOUT')).toBe(false);
  });
});
