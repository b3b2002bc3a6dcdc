import { join } from 'node:path';
import { JsonLinesChild } from '../../support/json-lines-child.js';

/** The SDK probe (`graph-sdk-probe.ts`) as a child process trusting the emulator's CA. */
export class GraphSdkProbeProcess extends JsonLinesChild {
  constructor(caPath: string) {
    super(join(import.meta.dirname, 'graph-sdk-probe.ts'), caPath, 'SDK probe');
  }
}
