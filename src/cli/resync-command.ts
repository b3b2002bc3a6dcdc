import { selectConnection } from '../config/connection-registry.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { QueueUnreachableError, SyncQueueClient } from '../worker/sync-queue-client.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-context.js';

/** `dirsync resync [-c ID] [--full]`: enqueues a manual run for the worker and prints its job id. */
export async function resyncCommand(
  context: CliContext,
  options: { readonly connection?: string | undefined; readonly full: boolean },
): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const connection = selectConnection(registry, options.connection);
  let client: SyncQueueClient;
  try {
    client = await SyncQueueClient.open(service, context.log());
  } catch (error) {
    if (error instanceof QueueUnreachableError) throw new CliError(error.message, EXIT.config);
    throw error;
  }
  try {
    const { jobId, joined } = await client.enqueue(connection.id, options.full);
    const what = `a manual ${options.full ? 'full ' : ''}run of connection ${connection.id}`;
    context.out.write(joined ? `${what} is already waiting: job ${jobId}\n` : `enqueued ${what}: job ${jobId}\n`);
    return EXIT.ok;
  } finally {
    await client.close();
  }
}
