import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { QueueUnreachableError, SyncQueueClient } from '../worker/sync-queue-client.js';
import { CliError } from './cli-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** `dirsync resync [--full]`: enqueues a manual run for the worker and prints its job id. */
export async function resyncCommand(
  config: Config,
  full: boolean,
  out: NodeJS.WritableStream,
  log: Logger,
): Promise<ExitCode> {
  let client: SyncQueueClient;
  try {
    client = await SyncQueueClient.open(config.redisUrl, config.connectionId, log, config.retryDelayMs);
  } catch (error) {
    if (error instanceof QueueUnreachableError) throw new CliError(error.message, EXIT.config);
    throw error;
  }
  try {
    const { jobId, joined } = await client.enqueue(full);
    out.write(
      joined
        ? `a manual ${full ? 'full ' : ''}run of connection ${config.connectionId} is already waiting: job ${jobId}\n`
        : `enqueued a manual ${full ? 'full ' : ''}run of connection ${config.connectionId}: job ${jobId}\n`,
    );
    return EXIT.ok;
  } finally {
    await client.close();
  }
}
