/**
 * `npm start` exactly as a user runs it, in a process group of its own (npm, tsx,
 * node and DynamoDB Local's java), resolved once it listens. Every test that starts
 * one stops it, and `killAllNpmStarts` (afterAll) ends any a failing test left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const running = new Set<ChildProcess>();

export function killAllNpmStarts(): void {
  for (const child of running) if (child.pid) process.kill(-child.pid, 'SIGKILL');
}

export type NpmStart = Awaited<ReturnType<typeof npmStart>>;

export async function npmStart(env: Record<string, string>) {
  const started = performance.now();
  const child = spawn('npm', ['start'], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${output}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    process.kill(-child.pid!, signal);
    const code = await exited;
    running.delete(child);
    return code;
  };
  return {
    url,
    msToListening: performance.now() - started,
    output: () => output,
    /** The whole group at once, as a crash or `kill -9` would: no shutdown code runs. */
    kill: async () => void (await end('SIGKILL')),
    /** Ctrl-C's polite cousin: the hub stops DynamoDB Local and exits; answers the exit code. */
    stop: () => end('SIGTERM'),
  };
}
