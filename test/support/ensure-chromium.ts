/**
 * Part of `npm test`: the page tests drive Debian's headless Chromium (playwright-core
 * with executablePath; no browser download). Missing, it is installed with apt-get
 * when this runs as root; otherwise one clear line says what to install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumCandidates } from './browser';

const found = () => chromiumCandidates().find((path) => existsSync(path));

if (!found()) {
  const root = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (root && hasApt) {
    console.log('Installing Debian\'s chromium for the page tests (apt-get)...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  }
  if (!found()) {
    console.error("The page tests need Chromium: run 'apt-get install -y chromium' as root (or set CHROMIUM_PATH to a Chromium binary).");
    process.exit(1);
  }
}
