import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The repository's own eslint.config.js (its parts table and the dirsync/layers rule) lints in-memory snippets
// at virtual paths inside the tree. The project service only types files that exist, so the snippets are
// linted without type information; the layering rule needs none. One case at the end uses a real file with
// typed linting, to prove the rule also bites in the configuration `npm run lint` runs.
const root = fileURLToPath(new URL('../..', import.meta.url));
const LAYERS = 'dirsync/layers';

let untyped: ESLint;
beforeAll(() => {
  untyped = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });
});

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await untyped.lintText(code, { filePath });
  return result?.messages ?? [];
}

const up = (levels: number): string => '../'.repeat(levels);

// [importing file, code, what the single layering error says]
const forbidden: [string, string, string][] = [
  ['src/core/fixture.ts', "import '../store/mirror-repository.js';", "'core' may not import 'store'"],
  ['src/core/planner/fixture.ts', `import '${up(2)}store/mirror-repository.js';`, "'core' may not import 'store'"],
  ['src/core/planner/deep/fixture.ts', `import '${up(3)}store/mirror-repository.js';`, "'core' may not import 'store'"],
  ['src/core/a/b/c/d/fixture.ts', `import '${up(5)}store/mirror-repository.js';`, "'core' may not import 'store'"],
  [
    'src/core/model/fixture.ts',
    `import '${up(3)}connectors/directory-connector.js';`,
    "may not import 'connector-port'",
  ],
  ['src/core/fixture.ts', "import '../clock.js';", "'core' may not import 'shared'"],
  ['src/core/fixture.ts', "import { readFileSync } from 'node:fs';\nreadFileSync('x');", 'no node builtin'],
  ['src/core/fixture.ts', "import { createHash } from 'crypto';\ncreateHash('sha256');", 'no node builtin'],
  [
    'src/core/fixture.ts',
    "import '@okta/okta-sdk-nodejs';",
    "no package and no node builtin ('@okta/okta-sdk-nodejs')",
  ],
  ['src/core/fixture.ts', "import 'kysely';", "no package and no node builtin ('kysely')"],
  ['src/core/fixture.ts', "import 'zod';", "no package and no node builtin ('zod')"],
  // type-only, dynamic and re-exporting imports are imports too
  [
    'src/core/planner/fixture.ts',
    "import type { Database } from '../../store/database.js';\nexport type D = Database;",
    "'core' may not import 'store'",
  ],
  [
    'src/core/planner/fixture.ts',
    "export const load = () => import('../../store/database.js');",
    "'core' may not import 'store'",
  ],
  ['src/core/fixture.ts', "export { createDb } from '../store/create-db.js';", "'core' may not import 'store'"],
  ['connectors/okta/x.ts', "import '../../src/store/database.js';", "'connector' may not import 'store'"],
  ['connectors/okta/x.ts', "import '../../src/sync/run-sync.js';", "'connector' may not import 'sync'"],
  ['connectors/okta/x.ts', "import '../graph/graph-config.js';", "folder 'okta' may not import another connector"],
  ['connectors/graph/deep/x.ts', "import '../../sandbox/sandbox-connector.js';", "folder 'graph' may not import"],
  ['connectors/okta/x.ts', "import 'bullmq';", "Only root, worker, cli, main may import 'bullmq'"],
  ['connectors/okta/x.ts', "import 'kysely';", "may import 'kysely'"],
  ['connectors/directory-connector-fixture.ts', "import './okta/okta-connector.js';", "'connector-port' may not"],
  ['src/store/x.ts', "import '../sync/run-sync.js';", "'store' may not import 'sync'"],
  ['src/store/tables/x.ts', "import '../../../connectors/connector-error.js';", "'store' may not import"],
  ['src/store/x.ts', "import '../logger.js';", "'store' may not import 'shared'"],
  ['src/sync/deep/x.ts', "import '../../worker/sync-job.js';", "'sync' may not import 'worker'"],
  ['src/sync/x.ts', "import 'bullmq';", "Only root, worker, cli, main may import 'bullmq'"],
  ['src/sync/x.ts', "import 'ioredis';", "may import 'ioredis'"],
  ['src/sync/x.ts', "import '../../connectors/okta/okta-connector.js';", "'sync' may not import 'connector'"],
  ['src/sync/x.ts', "import '../targets/scim/scim-target.js';", "'sync' may not import 'target'"],
  ['src/sync/x.ts', "import '../app.js';", "'sync' may not import 'root'"],
  ['src/sync/x.ts', "import '../config/service-config.js';", "'sync' may not import 'config'"],
  ['src/sync/x.ts', "import '../cli/run-cli.js';", "'sync' may not import 'cli'"],
  ['src/worker/x.ts', "import '../cli/exit-codes.js';", "'worker' may not import 'cli'"],
  ['src/worker/x.ts', "import '../../connectors/okta/okta-connector.js';", "'worker' may not import 'connector'"],
  ['src/targets/scim/x.ts', "import '../../store/database.js';", "'target' may not import 'store'"],
  ['src/targets/scim/x.ts', "import 'nodemailer';", "may import 'nodemailer'"],
  ['src/targets/x.ts', "import './scim/scim-target.js';", "'target-port' may not import 'target'"],
  ['src/invites/x.ts', "import '../targets/target.js';", "'invites' may not import 'target-port'"],
  ['src/invites/x.ts', "import '../sync/run-sync.js';", "'invites' may not import 'sync'"],
  ['src/config/x.ts', "import '../app.js';", "'config' may not import 'root'"],
  ['src/app.ts', "import './worker/run-worker.js';", "'root' may not import 'worker'"],
  ['src/runtime/deep/x.ts', "import '../../cli/run-cli.js';", "'root' may not import 'cli'"],
  ['src/cli/x.ts', "import '../main.js';", "'cli' may not import 'main'"],
  ['src/cli/x.ts', "import '../../test/support/anything.js';", 'it is in no part of the layering'],
  ['src/clock.ts', "import './store/database.js';", "'shared' may not import 'store'"],
  ['migrations/x.ts', "import '../src/store/database.js';", "'migrations' may not import 'store'"],
  ['src/newpart/x.ts', 'export const x = 1;', 'src/newpart/x.ts is in no part of the layering'],
];

const allowed: [string, string][] = [
  ['src/core/fixture.ts', "import './planner/plan.js';"],
  ['src/core/planner/deep/nested/fixture.ts', "import '../../plan.js';\nimport '../../../model/directory-user.js';"],
  ['src/core/a/b/c/d/fixture.ts', "import '../../../../scope.js';"],
  // the same specifier one level deeper stays inside the core: resolution, not text, decides
  ['src/core/planner/deep/fixture.ts', "import '../../store/mirror-repository.js';"],
  [
    'src/sync/x.ts',
    [
      "import '../store/mirror-repository.js';",
      "import '../core/planner/plan.js';",
      "import type { Target } from '../targets/target.js';",
      "import '../targets/target-error.js';",
      "import '../invites/mailer.js';",
      "import '../../connectors/directory-connector.js';",
      "import '../../connectors/connector-error.js';",
      "import '../clock.js';",
      "import '../logger.js';",
      "import 'kysely';",
      "import 'node:crypto';",
      'export type T = Target;',
    ].join('\n'),
  ],
  ['src/sync/deep/x.ts', "import '../../store/database.js';\nimport '../../targets/target.js';"],
  [
    'src/worker/x.ts',
    [
      "import '../sync/run-sync.js';",
      "import '../store/database.js';",
      "import '../app.js';",
      "import '../config/service-config.js';",
      "import '../targets/scim/scim-target.js';",
      "import '../../connectors/connector-error.js';",
      "import '../exit-codes.js';",
      "import 'bullmq';",
      "import 'ioredis';",
    ].join('\n'),
  ],
  [
    'src/cli/x.ts',
    "import '../worker/run-worker.js';\nimport '../app.js';\nimport '../../connectors/okta/okta-connector.js';",
  ],
  ['src/main.ts', "import './cli/run-cli.js';"],
  ['src/app.ts', "export const load = () => import('../connectors/okta/okta-connector.js');\nimport 'bullmq';"],
  [
    'connectors/okta/x.ts',
    [
      "import './okta-config.js';",
      "import '../connector-error.js';",
      "import '../directory-connector.js';",
      "import '../../src/core/model/directory-user.js';",
      "import '@okta/okta-sdk-nodejs';",
      "import 'node:crypto';",
      "import 'zod';",
    ].join('\n'),
  ],
  ['src/store/tables/x.ts', "import '../database.js';\nimport '../../core/model/directory-user.js';\nimport 'pg';"],
  ['src/targets/scim/x.ts', "import '../target.js';\nimport '../jsonl/jsonl-record.js';\nimport 'undici';"],
  ['src/invites/x.ts', "import './mailer.js';\nimport '../core/model/directory-user.js';\nimport 'nodemailer';"],
  ['migrations/x.ts', "import 'kysely';"],
  // tests and benches are outside the layering
  ['test/unit/fixture.test.ts', "import '../../src/worker/run-worker.js';\nimport '../../src/cli/run-cli.js';"],
];

describe('the layering rule (eslint.config.js, dirsync/layers)', () => {
  it.each(forbidden)('%s: `%s` fails with exactly the layering error', async (filePath, code, says) => {
    const messages = await lint(filePath, `${code}\n`);
    expect(messages.map((m) => m.ruleId)).toEqual([LAYERS]);
    expect(messages[0]?.message).toContain(says);
  });

  it.each(allowed)('%s: `%s` passes', async (filePath, code) => {
    expect(await lint(filePath, `${code}\n`)).toEqual([]);
  });

  it('bites with typed linting too: a real core file that imports the store fails `npm run lint`', async () => {
    const typed = new ESLint({ cwd: root });
    const [result] = await typed.lintText("import '../store/mirror-repository.js';\nexport const x = 1;\n", {
      filePath: 'src/core/desired-state.ts',
    });
    const layering = (result?.messages ?? []).filter((m) => m.ruleId === LAYERS);
    expect(layering.map((m) => m.message)).toEqual([expect.stringContaining("'core' may not import 'store'")]);
  }, 120_000);
});
