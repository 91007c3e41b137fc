/**
 * SDK tracing (shared/observability.ts): off by default, nothing of the Tracer is loaded
 * and no operation gets a tracing middleware; on (`-c sdkTracing=true` sets
 * POWERTOOLS_TRACE_ENABLED), the Powertools Tracer and a capture middleware per operation.
 * The module reads the setting once, at load, as a cold start does.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

async function observabilityWith(traceEnabled: string | undefined) {
  vi.resetModules();
  vi.stubEnv('POWERTOOLS_TRACE_ENABLED', traceEnabled);
  return import('../../shared/observability');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('SDK tracing', () => {
  it('is off unless asked for: a no-op tracer that hands the DynamoDB client back as it is, and no handler middleware', async () => {
    for (const setting of [undefined, 'false', '']) {
      const { sdkTracing, tracer, traceHandler } = await observabilityWith(setting);
      expect(sdkTracing, String(setting)).toBe(false);
      expect(traceHandler).toBeUndefined();
      expect(tracer.isTracingEnabled()).toBe(false);
      const client = { send: () => undefined };
      expect(tracer.captureAWSv3Client(client)).toBe(client);
    }
  });

  it('when on, loads the Powertools Tracer and makes each operation its own capture middleware', async () => {
    const { Tracer } = await import('@aws-lambda-powertools/tracer');
    const { sdkTracing, tracer, traceHandler } = await observabilityWith('true');
    expect(sdkTracing).toBe(true);
    expect(tracer).toBeInstanceOf(Tracer);
    const [first, second] = [traceHandler!(), traceHandler!()];
    expect(first).not.toBe(second);
    for (const middleware of [first, second]) {
      expect(typeof middleware.before).toBe('function');
      expect(typeof middleware.after).toBe('function');
      expect(typeof middleware.onError).toBe('function');
    }
  });
});
