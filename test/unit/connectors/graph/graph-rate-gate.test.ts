import { describe, expect, it } from 'vitest';
import { graphRateKey, graphThrottleSignals } from '../../../../connectors/graph/graph-rate-gate.js';
import { graphRequestCost } from '../../../../connectors/graph/graph-request-cost.js';

const BASE = 'https://graph.microsoft.com/v1.0';

describe('graphRequestCost (Microsoft Graph identity and access service limits)', () => {
  it.each([
    ['users/delta with $select (not listed: 1; $select −1; never below 1)', '/users/delta?$select=id,mail', 1],
    ['a delta next link (its query is in the token)', '/users/delta?$skiptoken=abc', 1],
    ['the users list', '/users', 2],
    ['the users list with $select', '/users?$select=id', 1],
    ['a group’s members, with a cast', '/groups/g1/members/microsoft.graph.user', 3],
    ['a group’s members with $select and a $top under 20', '/groups/g1/members?$select=id&$top=5', 1],
    ['transitive members with $expand', '/groups/g1/transitiveMembers?$expand=manager', 6],
    ['one user', '/users/u1', 1],
    ['an enterprise app’s assignments (not listed)', '/servicePrincipals/s1/appRoleAssignedTo', 1],
  ])('%s', (_, path, cost) => {
    expect(graphRequestCost(`${BASE}${path}`)).toBe(cost);
  });
});

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null });

describe('graphThrottleSignals', () => {
  it.each([
    ['an answer under 80 % of the budget says nothing', 200, { 'x-ms-resource-unit': '1' }, {}],
    ['past 80 %: the share used', 200, { 'x-ms-throttle-limit-percentage': '0.93' }, { usedShare: 0.93 }],
    ['a share written in per cent', 200, { 'x-ms-throttle-limit-percentage': '120' }, { usedShare: 1.2 }],
    [
      'a 429: its Retry-After in seconds, decimals kept',
      429,
      { 'retry-after': '2.128', 'x-ms-throttle-limit-percentage': '1.8' },
      { usedShare: 1.8, retryAfterMs: 2_128 },
    ],
    [
      'a Retry-After date, against the answer’s Date',
      429,
      { 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT', date: 'Wed, 21 Oct 2015 07:28:00 GMT' },
      { retryAfterMs: 5_000 },
    ],
    ['a Retry-After on a 503 is the retry handler’s, not a budget signal', 503, { 'retry-after': '3' }, {}],
    ['unreadable values are ignored', 429, { 'retry-after': 'soon', 'x-ms-throttle-limit-percentage': 'x' }, {}],
  ])('%s', (_, status, values, expected) => {
    expect(graphThrottleSignals(status, headers(values))).toEqual(expected);
  });
});

describe('graphRateKey', () => {
  it('is the application+tenant pair Graph counts by, case folded', () => {
    expect(graphRateKey('Contoso.onmicrosoft.com', 'E1D2-APP')).toBe('graph:contoso.onmicrosoft.com:e1d2-app:identity');
  });
});
