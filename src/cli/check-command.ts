import { selectConnection } from '../config/connection-registry.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { runChecks } from '../check/run-checks.js';
import type { CliContext } from './cli-context.js';

/**
 * `dirsync check [-c ID] [--json]`: one line per dependency with what to fix; writes nothing. Redis is checked
 * when `REDIS_URL` is set (only the worker and `resync` need it).
 */
export async function checkCommand(
  context: CliContext,
  options: { readonly connection?: string | undefined; readonly json: boolean },
): Promise<ExitCode> {
  const { service, registry } = context.settings();
  const connection = selectConnection(registry, options.connection);
  const redisConfigured = (context.env['REDIS_URL'] ?? '').trim() !== '';
  const results = await runChecks({
    databaseUrl: service.databaseUrl,
    redisUrl: redisConfigured ? service.redisUrl : null,
    idp: connection.idp,
    target: connection.target,
    invites: connection.invites,
  });
  const ok = results.every((result) => result.ok);
  if (options.json) {
    context.out.write(`${JSON.stringify({ connection: connection.id, ok, checks: results }, null, 2)}\n`);
  } else {
    const width = Math.max(...results.map((result) => result.name.length));
    const lines = [`checks of connection ${connection.id}:`];
    for (const result of results) {
      lines.push(`  ${result.ok ? 'ok  ' : 'FAIL'}  ${result.name.padEnd(width)}  ${result.detail}`);
    }
    if (!redisConfigured)
      lines.push(`  skip  ${'redis'.padEnd(width)}  REDIS_URL is not set (only the worker needs it)`);
    lines.push(ok ? 'all checks passed' : `${results.filter((r) => !r.ok).length} check(s) failed`);
    context.out.write(`${lines.join('\n')}\n`);
  }
  return ok ? EXIT.ok : EXIT.config;
}
