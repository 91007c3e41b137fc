import { startHub } from './hub';
import { StartupError } from './dynamodb-local';
import { hubSettings } from './settings';
import { describeSchedule } from '../../shared/fanout/retry-schedule';

/** `npm start`: the hub on its embedded defaults. */
const started = performance.now();
try {
  const settings = hubSettings();
  const hub = await startHub({ ...settings, log: (line) => console.log(line) });
  console.log(`Council Collaboration Hub listening on ${hub.url} (ready in ${Math.round(performance.now() - started)} ms)`);
  console.log(`  DynamoDB: ${hub.dynamodbEndpoint}  table: ${settings.tableName}  data: ${settings.dataDir}`);
  console.log(`  Docs: ${hub.url}/docs   Token: npm run --silent token -- --council E08000025 --groups officer,finance`);
  console.log(`  Events: table stream -> local bus -> webhooks; retries ${describeSchedule(hub.fanout.retrySchedule)} (docs/events.md)`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the hub and DynamoDB Local...`);
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  console.error(error instanceof StartupError ? `Cannot start the hub: ${error.message}` : error);
  process.exit(1);
}
