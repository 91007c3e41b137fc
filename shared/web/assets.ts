/**
 * /assets/*: govuk-frontend's own files (CSS, fonts, images, JS) and the hub's
 * few lines of CSS and JS (shared/web/static/), read from disk: served by the
 * hub, never a CDN, and never bundled into the function's code. Deployed, CDK
 * copies both next to the bundle (WEB_ASSETS_DIR: govuk/ and hub/); locally they
 * come from node_modules and shared/web/static. Only names on the lists below are
 * served: no path is ever joined from the request beyond one checked file name.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResult } from '../http/responses';

/** The govuk-frontend release the pages are written for (package.json pins it). */
export const GOVUK_VERSION = '6.6.0';
/** govuk-frontend's dist/govuk: the files and folders the pages use (CDK copies exactly these). */
export const GOVUK_FILES = ['govuk-frontend.min.css', 'govuk-frontend.min.js'] as const;
export const GOVUK_DIRS = ['assets/fonts', 'assets/images'] as const;
/** The hub's own, in shared/web/static/. */
export const HUB_FILES = ['hub.css', 'hub.js', 'hub-enabled.js', 'hub-icon.svg'] as const;

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  woff2: 'font/woff2',
  woff: 'font/woff',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
};
const TEXT = new Set(['css', 'js', 'svg']);

function dirs(): { govuk: string; hub: string } {
  const deployed = process.env.WEB_ASSETS_DIR;
  if (deployed) return { govuk: join(deployed, 'govuk'), hub: join(deployed, 'hub') };
  return {
    govuk: join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist', 'govuk'),
    hub: fileURLToPath(new URL('./static/', import.meta.url)),
  };
}

let version: string | undefined;

/**
 * In every asset URL the pages write (`?<version>`): govuk-frontend's release and a
 * hash of the hub's own files, so a browser keeps each for a year and never runs an old one.
 */
export function assetVersion(): string {
  if (!version) {
    const hash = createHash('sha256');
    for (const file of HUB_FILES) hash.update(readFileSync(join(dirs().hub, file)));
    version = `${GOVUK_VERSION}-${hash.digest('hex').slice(0, 10)}`;
  }
  return version;
}

const cache = new Map<string, { body: string; base64: boolean; ext: string }>();

/** The file for `/assets/<path>`, or undefined when there is none by that name. */
export async function asset(path: string, query = ''): Promise<HttpResult | undefined> {
  const m = /^(?:(fonts|images)\/)?([a-z0-9][a-z0-9._-]*\.(css|js|woff2|woff|svg|png|ico))$/.exec(path);
  const [, folder, file, ext] = m ?? [];
  if (!file || !ext) return undefined;
  let hit = cache.get(path);
  if (!hit) {
    const { govuk, hub } = dirs();
    const full = folder
      ? join(govuk, 'assets', folder, file)
      : (HUB_FILES as readonly string[]).includes(file)
        ? join(hub, file)
        : (GOVUK_FILES as readonly string[]).includes(file)
          ? join(govuk, file)
          : undefined;
    if (!full) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(full);
    } catch {
      return undefined;
    }
    hit = TEXT.has(ext) ? { body: bytes.toString('utf8'), base64: false, ext } : { body: bytes.toString('base64'), base64: true, ext };
    cache.set(path, hit);
  }
  // A versioned URL (or a font, whose name is its hash) never changes; anything else may, within the hour.
  const immutable = query === assetVersion() || folder === 'fonts';
  return {
    statusCode: 200,
    headers: { 'content-type': TYPES[hit.ext]!, 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=3600' },
    body: hit.body,
    ...(hit.base64 ? { isBase64Encoded: true } : {}),
  };
}
