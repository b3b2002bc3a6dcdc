// Type-aware lint. The `dirsync/layers` rule enforces the layering of STYLE.md by resolved path, at any depth.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { plugin as dirsync } from './eslint-rules/layers.js';

// Who may import whom. A file belongs to the first part whose globs match its path, so a new file lands in
// its part by folder; a new folder under src/, connectors/ or migrations/ that no part names is reported until
// it is added here. `imports` lists the parts a part may import (its own included); everything else is
// forbidden, type-only imports too. `isolated`: one folder of the part may not import a sibling folder.
const below = [
  'core',
  'core-identity',
  'shared',
  'connector-port',
  'store',
  'target-port',
  'target',
  'invites',
  'sync',
  'config',
];
const parts = [
  // Identity comparison (UTS #39 skeletons) is pure core too, but reads the Unicode confusables table that the
  // `unhomoglyph` package ships (see packageOwners): the one package the core may reach, through this folder only.
  { name: 'core-identity', files: ['src/core/identity/**'], imports: ['core', 'core-identity'] },
  { name: 'core', files: ['src/core/**'], imports: ['core', 'core-identity'], packages: 'none' },
  { name: 'connector-port', files: ['connectors/*.ts'], imports: ['core', 'connector-port'] },
  {
    name: 'connector',
    files: ['connectors/*/**'],
    isolated: true,
    imports: ['core', 'connector-port', 'connector'],
  },
  { name: 'store', files: ['src/store/**'], imports: ['core', 'store'] },
  { name: 'target-port', files: ['src/targets/*.ts'], imports: ['core', 'target-port'] },
  // Targets name the account they would adopt with the core's adoption-hold rule (src/core/identity).
  { name: 'target', files: ['src/targets/**'], imports: ['core', 'core-identity', 'target-port', 'target'] },
  { name: 'invites', files: ['src/invites/**'], imports: ['core', 'invites'] },
  {
    name: 'sync',
    files: ['src/sync/**'],
    imports: ['core', 'shared', 'store', 'target-port', 'invites', 'connector-port', 'sync'],
  },
  // Configuration validates each connection with its connector's own parser (the SDKs' variable names) and
  // the invite sender with the mail-address parser, so one message can name every bad field.
  {
    name: 'config',
    files: ['src/config.ts', 'src/config/**'],
    imports: ['core', 'shared', 'connector-port', 'connector', 'invites', 'config'],
  },
  // `dirsync check`: probes every dependency the way the runtime reaches it, writing nothing; used by the CLI.
  { name: 'check', files: ['src/check/**'], imports: [...below, 'connector', 'check'] },
  // The composition root builds a connection's runtime, so it is the one layer below the entry points that
  // may construct the concrete connectors.
  { name: 'root', files: ['src/app.ts', 'src/runtime/**'], imports: [...below, 'connector', 'root'] },
  { name: 'worker', files: ['src/worker/**'], imports: [...below, 'root', 'worker'] },
  { name: 'cli', files: ['src/cli/**'], imports: [...below, 'connector', 'root', 'worker', 'check', 'cli'] },
  { name: 'main', files: ['src/main.ts'], imports: [...below, 'connector', 'root', 'worker', 'check', 'cli'] },
  // Small modules beside main.ts (clock, logger, exit codes); after main, app and config, which match first.
  { name: 'shared', files: ['src/*.ts'], imports: ['core', 'shared'] },
  // Migrations are frozen in time: they never import application code.
  { name: 'migrations', files: ['migrations/**'], imports: ['migrations'] },
];

// Packages that belong to one part: only the parts listed may import them. Any other package or node builtin
// may be imported by every part except the core, which imports none (`packages: 'none'`).
const entry = ['root', 'worker', 'cli', 'main'];
const idpSdk = ['connector', 'root', 'check', 'cli', 'main'];
const packageOwners = {
  unhomoglyph: ['core-identity'],
  liquidjs: ['invites'],
  bullmq: entry,
  ioredis: [...entry, 'check'],
  kysely: ['store', 'sync', 'migrations', 'check', ...entry],
  pg: ['store', 'root', 'check', 'cli', 'main'],
  'better-sqlite3': ['store', 'root', 'check', 'cli', 'main'],
  nodemailer: ['invites'],
  '@okta/okta-sdk-nodejs': idpSdk,
  '@microsoft/microsoft-graph-client': idpSdk,
  '@azure/identity': idpSdk,
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { dirsync },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      'dirsync/layers': [
        'error',
        {
          root: import.meta.dirname,
          layered: ['src/**', 'connectors/**', 'migrations/**'],
          parts,
          packageOwners,
        },
      ],
    },
  },
  {
    // The layering rule itself: plain JavaScript outside the TypeScript project, linted without types.
    files: ['eslint-rules/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Kysely's documented migration signature: migrations are frozen and must not import the app's types.
    files: ['migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
