import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local (in memory) for the whole run; each file makes its own table.
    globalSetup: ['test/support/global-setup.ts'],
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // POWERTOOLS_LOG_LEVEL=ERROR npx vitest ... shows the handlers' logs when a test needs them.
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      // The local hub fails an answer the OpenAPI document does not declare (infra/local/server.ts).
      UNDECLARED_ANSWERS: 'fail',
    },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
