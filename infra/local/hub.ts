import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadOrCreateKeys, type LocalKeys } from './auth';
import type { LocalFanout } from './fanout';
import { assertPortFree, LOCAL_AWS_ENV, localClient, StartupError, startDynamoDbLocal } from './dynamodb-local';
import { createHubServer } from './server';
import type { HubSettings } from './settings';
import { ensureTable } from './table';

export interface RunningHub {
  url: string;
  dynamodbEndpoint: string;
  keys: LocalKeys;
  /** The event fan-out (stream poller, local bus, queues): tests and the bench look inside. */
  fanout: LocalFanout;
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
 * table from the shared definition, the HTTP adapter in front of the same
 * handlers Lambda runs, and the event fan-out (stream -> bus -> webhooks) running
 * the same publisher, dispatcher and deliverer code (./fanout.ts).
 */
export async function startHub(settings: HubSettings & { log?: (line: string) => void }): Promise<RunningHub> {
  await assertWritable(settings.dataDir);
  if (settings.port !== 0) await assertPortFree(settings.port, 'the hub', 'set PORT to another port');
  await mkdir(join(settings.dataDir, 'dynamodb'), { recursive: true });
  const dynamo = settings.dynamodbEndpoint
    ? { endpoint: settings.dynamodbEndpoint, stop: async () => undefined }
    : await startDynamoDbLocal({ port: settings.dynamodbPort, dataDir: join(settings.dataDir, 'dynamodb') });
  let fanout: LocalFanout | undefined;
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
      // Lets webhooks go to http://127.0.0.1 (never deployed: shared/config.ts, shared/fanout/url-safety.ts).
      WEBHOOK_URL_POLICY: 'allow-loopback',
    });
    const client = localClient(dynamo.endpoint);
    await ensureTable(client, settings.tableName);
    client.destroy();
    const keys = await loadOrCreateKeys(settings.dataDir);
    // Loaded now, after the environment above, as Lambda loads a handler after its configuration.
    const { startLocalFanout } = await import('./fanout');
    const started = await startLocalFanout({
      endpoint: dynamo.endpoint,
      tableName: settings.tableName,
      dataDir: settings.dataDir,
      ...(settings.log ? { log: settings.log } : {}),
    });
    fanout = started;
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
      fanout: started,
      stop: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await started.stop();
        await dynamo.stop();
      },
    };
  } catch (error) {
    await fanout?.stop();
    await dynamo.stop();
    throw error;
  }
}
