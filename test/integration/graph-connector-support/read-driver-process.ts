import { join } from 'node:path';
import { JsonLinesChild } from '../../support/json-lines-child.js';

/** `read-driver.ts` as a child process trusting the emulator's CA: send a read command, get its JSON answer. */
export class ReadDriverProcess extends JsonLinesChild {
  constructor(caPath: string) {
    super(join(import.meta.dirname, 'read-driver.ts'), caPath, 'read driver');
  }
}
