import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { GROUPS } from '../../shared/auth';
import { loadOrCreateKeys } from './auth';
import { hubSettings } from './settings';

/** npm run --silent token -- --council <GSS> --groups officer,finance [--sub id] [--expires 12h] */
const { values } = parseArgs({
  options: {
    council: { type: 'string' },
    groups: { type: 'string', default: 'officer' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
}

const groups = (values.groups ?? '').split(',').map((g) => g.trim()).filter(Boolean);
const unknown = groups.filter((g) => !(GROUPS as readonly string[]).includes(g));
if (unknown.length) fail(`unknown group(s) ${unknown.join(', ')}; use any of ${GROUPS.join(', ')}`);
if (values.council !== undefined && !/^[EWSN]\d{8}$/.test(values.council)) fail(`--council must be a GSS code such as E08000025`);
if (!values.council && !groups.includes('hub-admin')) fail('--council is required (only a hub-admin token may omit it)');

const keys = await loadOrCreateKeys(hubSettings().dataDir);
const token = await keys.sign(
  { sub: values.sub ?? `local-${values.council ?? 'admin'}-${randomUUID().slice(0, 8)}`, council: values.council, groups },
  values.expires,
);
process.stdout.write(`${token}\n`);
