import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * The one definition of how a handler is bundled. CDK's NodejsFunction and the
 * bundle-budget script both derive their esbuild settings from `settings`, so
 * the size the budget measures is the size that gets deployed.
 */
const settings = {
  /** ESM: top-level await and static imports the runtime can resolve; files end in .mjs. */
  format: 'esm',
  /** The Lambda runtime the functions run on (HubFunction fixes NODEJS_22_X). */
  target: 'node22',
  platform: 'node',
  minify: true,
  /** A separate .map so stack traces read as TypeScript (NODE_OPTIONS=--enable-source-maps)... */
  sourceMap: true,
  /** ...without shipping the sources themselves inside it. */
  sourcesContent: false,
  /** esbuild tree-shakes bundles by default; stated so nobody turns it off by accident. */
  treeShaking: true,
  /**
   * AWS SDK v3 is part of the Node.js 22 Lambda runtime: bundling it would only add weight.
   * Powertools' logger, metrics and batch (and the commons they share) are bundled, tree-shaken:
   * every function loads them at init, and resolving them from the layer as ES modules, file
   * by file, cost about 40 ms of CPU per cold start against about 10 ms bundled (+35 KB; issue 13,
   * README). What a function loads later, or only when asked, still comes from AWS's Powertools
   * layer at the exact version in package-lock.json (HubFunction attaches it): idempotency (with
   * jmespath) on its first POST, the Tracer and the X-Ray SDK only with SDK tracing
   * (shared/observability.ts).
   */
  externalModules: ['@aws-sdk/*', '@aws-lambda-powertools/idempotency', '@aws-lambda-powertools/jmespath', '@aws-lambda-powertools/tracer'],
  /** Prefer packages' ES module builds, which tree-shake; fall back to CommonJS. */
  mainFields: ['module', 'main'],
  /** CommonJS dependencies call require(); an ES module has none unless we make one. */
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

/** NodejsFunction `bundling` props (local esbuild; no Docker on this machine or in CI). */
export const bundling = {
  format: OutputFormat.ESM,
  target: settings.target,
  minify: settings.minify,
  sourceMap: settings.sourceMap,
  sourcesContent: settings.sourcesContent,
  externalModules: [...settings.externalModules],
  mainFields: [...settings.mainFields],
  banner: settings.banner,
  // NodejsFunction has no tree-shaking prop; pass the flag straight through.
  esbuildArgs: { '--tree-shaking': String(settings.treeShaking) },
} satisfies BundlingOptions;

/** The same settings as an esbuild API call, for building one entry point into `outfile`. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: settings.format,
    target: settings.target,
    platform: settings.platform,
    minify: settings.minify,
    sourcemap: settings.sourceMap,
    sourcesContent: settings.sourcesContent,
    treeShaking: settings.treeShaking,
    external: [...settings.externalModules],
    mainFields: [...settings.mainFields],
    banner: { js: settings.banner },
    metafile: true,
    logLevel: 'warning',
  };
}
