import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadOrCreateKeys, type LocalKeys } from './auth';
import { assertPortFree, LOCAL_AWS_ENV, localClient, StartupError, startDynamoDbLocal } from './dynamodb-local';
import { createHubServer } from './server';
import type { HubSettings } from './settings';
import { ensureTable } from './table';

export interface RunningHub {
  url: string;
  dynamodbEndpoint: string;
  keys: LocalKeys;
  stop(): Promise<void>;
}

async function assertWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new StartupError(`The data dir ${dir} is not writable (${(error as NodeJS.ErrnoException).code}); set HUB_DATA_DIR to a writable folder.`);
  }
}

/**
 * The local hub: DynamoDB Local (started here unless an endpoint is given), the
 * table from the shared definition, and the HTTP adapter in front of the same
 * handlers Lambda runs.
 */
export async function startHub(settings: HubSettings & { log?: (line: string) => void }): Promise<RunningHub> {
  await assertWritable(settings.dataDir);
  if (settings.port !== 0) await assertPortFree(settings.port, 'the hub', 'set PORT to another port');
  await mkdir(join(settings.dataDir, 'dynamodb'), { recursive: true });
  const dynamo = settings.dynamodbEndpoint
    ? { endpoint: settings.dynamodbEndpoint, stop: async () => undefined }
    : await startDynamoDbLocal({ port: settings.dynamodbPort, dataDir: join(settings.dataDir, 'dynamodb') });
  try {
    // The handlers read these when their modules load, exactly as in Lambda.
    Object.assign(process.env, LOCAL_AWS_ENV, {
      AWS_REGION: process.env.AWS_REGION ?? LOCAL_AWS_ENV.AWS_REGION,
      TABLE_NAME: settings.tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      POWERTOOLS_SERVICE_NAME: 'council-hub',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const client = localClient(dynamo.endpoint);
    await ensureTable(client, settings.tableName);
    client.destroy();
    const keys = await loadOrCreateKeys(settings.dataDir);
    const server = createHubServer({ keys, ...(settings.log ? { log: settings.log } : {}) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://${settings.host}:${port}`,
      dynamodbEndpoint: dynamo.endpoint,
      keys,
      stop: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await dynamo.stop();
      },
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
}
