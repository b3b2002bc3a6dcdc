import { pino } from 'pino';
import type { Log } from '../../src/logger.js';

export const silentLog: Log = pino({ level: 'silent' });
