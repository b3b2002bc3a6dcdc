// Runs `checkJsonl` on the path in argv[2] and prints its result as JSON: the test starts it as an unprivileged
// user, because root may write anywhere and so can never see a directory it may not write to.
import { checkJsonl } from '../../../src/check/check-jsonl.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: check-jsonl-driver.ts <path>');
process.stdout.write(`${JSON.stringify(await checkJsonl(path))}\n`);
