import { join } from 'node:path';
import type { CheckResult } from '../../../src/check/check-result.js';
import { JsonLinesChild } from '../../support/json-lines-child.js';
import type { CheckDriverCommand } from './check-driver.js';

/** `check-driver.ts` as a child process trusting one emulator's CA: send a command, get the check results. */
export class CheckDriverProcess extends JsonLinesChild {
  constructor(caPath: string) {
    super(join(import.meta.dirname, 'check-driver.ts'), caPath, 'check driver');
  }

  async check(command: CheckDriverCommand): Promise<CheckResult[]> {
    const answer = (await this.send({ ...command })) as { results?: CheckResult[]; error?: string };
    if (answer.results === undefined) throw new Error(`check driver failed: ${answer.error ?? 'no answer'}`);
    return answer.results;
  }
}
