/** The OTEL_*, TLS_* and API_KEYS_FILE settings: parsed by the standard's rules, refused with the variable's name, never logged with credentials. */
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../src/config.js';

describe('tracing settings', () => {
  it('is off by default; an OTLP endpoint turns it on with the traces path appended', () => {
    expect(loadConfig({}).tracing).toMatchObject({ sdkDisabled: false, exporter: 'none', sampler: 'parentbased_always_on', samplerRatio: 1, serviceName: 'fusion-relayer' });
    const on = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing;
    expect(on.exporter).toBe('otlp');
    expect(on.otlp).toMatchObject({ url: 'http://collector:4318/v1/traces', protocol: 'http/protobuf', timeoutMs: 10_000 });
    // The signal-specific endpoint is used as is, and wins.
    const traces = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom' }).tracing;
    expect(traces.otlp.url).toBe('https://b/custom');
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing.exporter).toBe('console');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing.exporter).toBe('none');
    expect(loadConfig({ OTEL_SDK_DISABLED: 'true' }).tracing.sdkDisabled).toBe(true);
  });

  it('reads headers, resource attributes, protocol, timeout and sampler', () => {
    const t = loadConfig({
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=one',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=two',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,service.namespace=fusion',
      OTEL_SERVICE_NAME: 'relayer-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(t.otlp.headers).toEqual({ authorization: 'Bearer abc', 'x-tenant': 'two' });
    expect(t.otlp.protocol).toBe('http/json');
    expect(t.otlp.timeoutMs).toBe(2500);
    expect(t.resourceAttributes).toEqual({ 'deployment.environment': 'staging', 'service.namespace': 'fusion' });
    expect(t.serviceName).toBe('relayer-eu');
    expect(t).toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it('refuses what it cannot honour, naming the variable', () => {
    const refused = (env: Record<string, string>, variable: string) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).variable).toBe(variable);
        return;
      }
      throw new Error(`${JSON.stringify(env)} was accepted`);
    };
    refused({ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER');
    refused({ OTEL_TRACES_EXPORTER: 'otlp,console' }, 'OTEL_TRACES_EXPORTER');
    refused({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL');
    refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    refused({ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER');
    refused({ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG');
    refused({ OTEL_TRACES_SAMPLER_ARG: 'half' }, 'OTEL_TRACES_SAMPLER_ARG');
    refused({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS');
    refused({ OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED');
  });

  it('the start-up line names the collector headers but never their values', () => {
    const c = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:pw@collector:4318', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t-token' });
    const text = JSON.stringify(describeConfig(c));
    expect(text).not.toContain('s3cr3t-token');
    expect(text).not.toContain(':pw@');
    expect(text).toContain('authorization');
  });
});

describe('API_KEYS_FILE and TLS settings', () => {
  it('are off by default and read as paths', () => {
    expect(loadConfig({})).toMatchObject({ apiKeysFile: null, tls: null });
    expect(loadConfig({ API_KEYS_FILE: '/run/secrets/api-keys', TLS_CERT_FILE: '/tls/cert.pem', TLS_KEY_FILE: '/tls/key.pem' })).toMatchObject({
      apiKeysFile: '/run/secrets/api-keys',
      tls: { certFile: '/tls/cert.pem', keyFile: '/tls/key.pem' },
    });
  });
});
