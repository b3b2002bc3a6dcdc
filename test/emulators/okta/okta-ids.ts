/**
 * Makes Okta-looking 20-character ids (`00u…` users, `00g…` groups, `0oa…` apps) that sort in creation order, so a
 * cursor can be "the last id returned" just as Okta's user and group `after` cursors are.
 */
export function createOktaIdGenerator(): (prefix: '00u' | '00g' | '0oa') => string {
  let counter = 0;
  return (prefix) => {
    counter += 1;
    return `${prefix}emu${counter.toString(36).padStart(14, '0')}`;
  };
}
