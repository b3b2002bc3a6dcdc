import type { DirectoryChange } from '../../../src/core/model/directory-change.js';
import { GraphEmulator } from '../../emulators/graph/graph-emulator.js';
import type { GraphEmulatorEndpoints, GraphEmulatorOptions } from '../../emulators/graph/graph-emulator.js';
import { ReadDriverProcess } from './read-driver-process.js';

export const TENANT = '5d3c2b1a-0f9e-4d8c-b7a6-958473625140';
export const CLIENT = 'e1d2c3b4-a5f6-4e7d-8c9b-0a1b2c3d4e5f';
export const SECRET = 'Zq8Q~graph-connector-test-secret';

/** What `read-driver.ts` answers for one read. */
export interface ReadAnswer {
  readonly ok: boolean;
  readonly source?: string;
  readonly pages: DirectoryChange[][];
  readonly requests: { status: number | undefined; throttled: boolean }[];
  readonly result?: { full: boolean; cursor: string | null };
  readonly error?: { kind: string; message: string };
}

export interface ReadOptions {
  readonly cursor?: string | null;
  readonly full?: boolean;
  readonly maxPageSize?: number;
  readonly env?: Record<string, string>;
  /** `GraphConnectorOptions.extraUserProperties`. */
  readonly extraUserProperties?: readonly string[];
}

/** The Graph emulator with app `CLIENT` registered (users and group members readable) and the read driver. */
export class GraphConnectorHarness {
  private constructor(
    readonly emulator: GraphEmulator,
    readonly endpoints: GraphEmulatorEndpoints,
    readonly driver: ReadDriverProcess,
  ) {}

  /** `roles`: the application permissions `CLIENT` is granted; default User.Read.All and GroupMember.Read.All. */
  static async start(
    options: GraphEmulatorOptions = {},
    roles: readonly string[] = ['User.Read.All', 'GroupMember.Read.All'],
  ): Promise<GraphConnectorHarness> {
    const emulator = new GraphEmulator(options);
    const endpoints = await emulator.start();
    emulator.registerApp({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, roles });
    return new GraphConnectorHarness(emulator, endpoints, new ReadDriverProcess(endpoints.caPath));
  }

  async stop(): Promise<void> {
    await this.driver.close();
    await this.emulator.stop();
  }

  /** The connector's environment for `CLIENT`, with overrides. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_AUTHORITY_HOST: this.endpoints.authorityHost,
      GRAPH_BASE_URL: this.endpoints.graphBaseUrl,
      ...overrides,
    };
  }

  /** One read by a fresh `GraphConnector` in the driver process. */
  async read(options: ReadOptions = {}): Promise<ReadAnswer> {
    return (await this.driver.send({
      env: options.env ?? this.env(),
      full: options.full ?? false,
      cursor: options.cursor ?? null,
      ...(options.maxPageSize === undefined ? {} : { maxPageSize: options.maxPageSize }),
      ...(options.extraUserProperties === undefined ? {} : { extraUserProperties: options.extraUserProperties }),
    })) as ReadAnswer;
  }

  /** `<status> <path>` of every Graph request the emulator answered (token requests left out). */
  graphPaths(): string[] {
    return this.emulator
      .requests({ service: 'graph' })
      .map((request) => `${request.status} ${request.url.split('?')[0]!}`);
  }
}

export function changesOf(answer: ReadAnswer): DirectoryChange[] {
  return answer.pages.flat();
}

export function ofType<T extends DirectoryChange['type']>(
  all: DirectoryChange[],
  type: T,
): Extract<DirectoryChange, { type: T }>[] {
  return all.filter((change): change is Extract<DirectoryChange, { type: T }> => change.type === type);
}

/** Members of a group as a consumer folds them: `members.replace` chunks concatenated. */
export function replacedMembers(all: DirectoryChange[], groupId: string): string[] {
  return ofType(all, 'members.replace')
    .filter((change) => change.groupId === groupId)
    .flatMap((change) => change.memberIds);
}
