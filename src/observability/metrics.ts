/**
 * The relayer's Prometheus metrics. One registry per relayer instance (tests run several
 * in one process), passed to every part that reports something.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface RelayerMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  wsConnections: Gauge;
  wsMessagesSent: Counter<'type'>;
  wsMessagesReceived: Counter<'op'>;
  wsDisconnects: Counter<'reason'>;
  ordersByStatus: Gauge<'status'>;
  ordersSubmitted: Counter<'result'>;
  priceTickDuration: Histogram;
  priceTickOrders: Gauge;
}

export function createMetrics(opts: { registry?: Registry; defaultMetrics?: boolean } = {}): RelayerMetrics {
  const registry = opts.registry ?? new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'relayer_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'relayer_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    wsConnections: new Gauge({ name: 'relayer_ws_connections', help: 'Open WebSocket connections', registers }),
    wsMessagesSent: new Counter({
      name: 'relayer_ws_messages_sent_total',
      help: 'WebSocket messages sent by type',
      labelNames: ['type'],
      registers,
    }),
    wsMessagesReceived: new Counter({
      name: 'relayer_ws_messages_received_total',
      help: 'WebSocket messages received by op',
      labelNames: ['op'],
      registers,
    }),
    wsDisconnects: new Counter({
      name: 'relayer_ws_disconnects_total',
      help: 'WebSocket connections closed, by reason',
      labelNames: ['reason'],
      registers,
    }),
    ordersByStatus: new Gauge({
      name: 'relayer_orders',
      help: 'Orders by status',
      labelNames: ['status'],
      registers,
    }),
    ordersSubmitted: new Counter({
      name: 'relayer_orders_submitted_total',
      help: 'Order submissions by result (accepted or the error code)',
      labelNames: ['result'],
      registers,
    }),
    priceTickDuration: new Histogram({
      name: 'relayer_price_tick_duration_seconds',
      help: 'Time to price every active order in one auction tick',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    priceTickOrders: new Gauge({
      name: 'relayer_price_tick_orders',
      help: 'Active orders priced in the last tick',
      registers,
    }),
  };
}
