/**
 * npm run subscriber -- --hub <url> --token <jwt> --secret <whsec_...> --port <p> --out <dir> [--gap-ms <ms>]
 *
 * Runs the reference subscriber (./subscriber.ts) on 127.0.0.1:<port>: point a
 * subscription at http://127.0.0.1:<port>/ (any path) and its events are mirrored,
 * one JSON Lines file per challenge, in <dir>.
 */
import { parseArgs } from 'node:util';
import { startSubscriber } from './subscriber';

const usage = 'usage: npm run subscriber -- --hub <url> --token <jwt> --secret <whsec_...> --port <port> --out <dir> [--gap-ms <ms>]';

function settings() {
  const { values } = parseArgs({
    options: {
      hub: { type: 'string' },
      token: { type: 'string' },
      secret: { type: 'string' },
      port: { type: 'string' },
      out: { type: 'string' },
      'gap-ms': { type: 'string' },
    },
    strict: true,
  });
  const { hub, token, secret, port, out } = values;
  if (!hub || !token || !secret || !port || !out) throw new Error(usage);
  if (!secret.startsWith('whsec_')) throw new Error('--secret is the subscription secret, whsec_...');
  const portNumber = Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw new Error(`--port must be a port number, got ${port}`);
  const gapMs = values['gap-ms'] === undefined ? undefined : Number(values['gap-ms']);
  return { hub: hub.replace(/\/+$/, ''), token, secret, port: portNumber, out, ...(gapMs !== undefined ? { gapMs } : {}) };
}

try {
  const subscriber = await startSubscriber({ ...settings(), log: (line) => console.log(line) });
  console.log(`subscriber listening on ${subscriber.url}`);
  const stop = async () => {
    await subscriber.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
