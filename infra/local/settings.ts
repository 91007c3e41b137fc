import { resolve } from 'node:path';

/** The local hub's settings, from the environment, with the defaults api.md names. */
export interface HubSettings {
  port: number;
  host: string;
  dynamodbPort: number;
  dynamodbEndpoint: string | undefined;
  dataDir: string;
  tableName: string;
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number, got '${raw}'`);
  return value;
}

// The lockfile pins an SDK that supports Node 20; its notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function hubSettings(): HubSettings {
  return {
    port: port('PORT', 3000),
    host: '127.0.0.1',
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
    dataDir: resolve(process.env.HUB_DATA_DIR || '.hub-data'),
    tableName: process.env.TABLE_NAME || 'council-hub',
  };
}
