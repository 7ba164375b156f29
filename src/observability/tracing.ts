/**
 * OpenTelemetry tracing and the request context of log lines.
 *
 * `startTracing` registers, process-wide, what the OpenTelemetry API needs: an AsyncLocalStorage
 * context manager and the W3C propagators (trace context + baggage) always, so the request id
 * travels with the work it started (through the bus, across Redis, into the coordinator), and a
 * tracer provider only when an exporter is configured. Without one the API's tracer is the no-op
 * one: spans cost a non-recording object and nothing is exported.
 *
 * The request id rides in W3C baggage as `request.id`; the logger's mixin (logger.ts) puts it and
 * the active trace/span ids on every log line written inside that work.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  isSpanContextValid,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config.js';
import type { Logger } from './logger.js';

export { SpanKind };

const TRACER_NAME = 'fusion-relayer';
const REQUEST_ID = 'request.id';

export interface Tracing {
  /** Spans are recorded and exported. */
  readonly recording: boolean;
  /** Flushes what is buffered and unregisters everything (idempotent). */
  shutdown(): Promise<void>;
}

/**
 * Registers the context manager, the propagators and (with an exporter) the tracer provider.
 * `exporter` replaces the configured one (tests pass an in-memory exporter; spans are then
 * exported synchronously as they end).
 */
export function startTracing(settings: TracingConfig, opts: { logger?: Logger; exporter?: SpanExporter } = {}): Tracing {
  if (settings.sdkDisabled) return { recording: false, shutdown: async () => undefined };
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const exporter = opts.exporter ?? configuredExporter(settings);
  let provider: BasicTracerProvider | null = null;
  if (exporter) {
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ ...settings.resourceAttributes, [ATTR_SERVICE_NAME]: settings.serviceName }),
      sampler: samplerOf(settings),
      spanProcessors: [opts.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
    });
    trace.setGlobalTracerProvider(provider);
    opts.logger?.info(
      { exporter: opts.exporter ? 'custom' : settings.exporter, sampler: settings.sampler, ...(settings.exporter === 'otlp' ? { protocol: settings.otlp.protocol } : {}) },
      'tracing: spans are recorded and exported',
    );
  }
  let stopped: Promise<void> | null = null;
  return {
    recording: provider !== null,
    shutdown: () =>
      (stopped ??= (async () => {
        try {
          await provider?.shutdown();
        } catch (err) {
          opts.logger?.warn({ err }, 'tracing: could not flush the last spans');
        }
        trace.disable();
        propagation.disable();
        context.disable();
      })()),
  };
}

function configuredExporter(settings: TracingConfig): SpanExporter | null {
  switch (settings.exporter) {
    case 'none':
      return null;
    case 'console':
      return new ConsoleSpanExporter();
    case 'otlp': {
      const o = { url: settings.otlp.url, headers: settings.otlp.headers, timeoutMillis: settings.otlp.timeoutMs };
      return settings.otlp.protocol === 'http/json' ? new OtlpJsonExporter(o) : new OtlpProtoExporter(o);
    }
  }
}

function samplerOf(settings: TracingConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(settings.samplerRatio);
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `fn` in a new span (child of `parent`, default the active context) and ends it; a throw
 * marks the span as an error and is rethrown.
 */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes, links: opts.links }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/** The W3C headers (traceparent, tracestate, baggage) of a context: how it crosses Redis and the store. */
export type TraceCarrier = Record<string, string>;

/** The carrier of `ctx` (default: the active context), or null when it has nothing to carry. */
export function carrierOf(ctx: Context = context.active()): TraceCarrier | null {
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return Object.keys(carrier).length > 0 ? carrier : null;
}

/** The context a carrier describes (the root context for none or garbage). */
export function contextFrom(carrier: unknown): Context {
  if (carrier === null || typeof carrier !== 'object') return ROOT_CONTEXT;
  const clean: TraceCarrier = {};
  for (const [k, v] of Object.entries(carrier)) if (typeof v === 'string') clean[k] = v;
  return propagation.extract(ROOT_CONTEXT, clean);
}

/** `ctx` with the request id as its only baggage (a client's own baggage is never trusted). */
export function withRequestId(ctx: Context, requestId: string): Context {
  return propagation.setBaggage(ctx, propagation.createBaggage({ [REQUEST_ID]: { value: requestId } }));
}

/** The request id the active work was started by, if any. */
export function activeRequestId(ctx: Context = context.active()): string | undefined {
  return propagation.getBaggage(ctx)?.getEntry(REQUEST_ID)?.value;
}

/**
 * What every log line written inside traced work carries: the request id that started it, and
 * the trace and span ids (only for a real trace: with tracing off there are none).
 */
export function logContext(): Record<string, string> {
  const ctx = context.active();
  if (ctx === ROOT_CONTEXT) return {};
  const out: Record<string, string> = {};
  const reqId = activeRequestId(ctx);
  if (reqId !== undefined) out.reqId = reqId;
  const sc = trace.getSpanContext(ctx);
  if (sc && isSpanContextValid(sc)) {
    out.trace_id = sc.traceId;
    out.span_id = sc.spanId;
  }
  return out;
}

/** Runs `fn` with an incoming request's context: its traceparent (if any) and its request id. */
export function requestContext(headers: Record<string, string | string[] | undefined>, requestId: string): Context {
  const traceparent = headers.traceparent;
  const tracestate = headers.tracestate;
  const carrier: TraceCarrier = {};
  if (typeof traceparent === 'string') carrier.traceparent = traceparent;
  if (typeof tracestate === 'string') carrier.tracestate = tracestate;
  return withRequestId(propagation.extract(ROOT_CONTEXT, carrier), requestId);
}
