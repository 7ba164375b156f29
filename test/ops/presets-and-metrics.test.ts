/**
 * NETWORK presets fill the chain settings and refuse contradictions (naming the variable), and
 * the business metrics count what an instance publishes — once, not once per subscriber.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { ChainEventUpdate } from '../../src/chains/events.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { cardanoNetworkByStart } from '../../src/network-presets.js';
import { BusinessMetrics } from '../../src/observability/business-metrics.js';
import { createLogger } from '../../src/observability/logger.js';

describe('NETWORK presets', () => {
  it('fill chain ids, Cardano network and confirmations', () => {
    const c = loadConfig({ NETWORK: 'sepolia-preprod' });
    expect(c.network).toBe('sepolia-preprod');
    expect(c.evm.chainId).toBe(11155111);
    expect(c.cardano.chain).toBe('cardano:preprod');
    expect(c.evm.confirmations).toBe(12);
    expect(loadConfig({ NETWORK: 'mainnet' }).cardano.network).toBe('mainnet');
    expect(loadConfig({}).network).toBeNull();
  });

  it('let confirmations be overridden but refuse a contradicting chain, naming the variable', () => {
    expect(loadConfig({ NETWORK: 'mainnet', EVM_CONFIRMATIONS: '64' }).evm.confirmations).toBe(64);
    expect(() => loadConfig({ NETWORK: 'mainnet', EVM_CHAIN_ID: '11155111' })).toThrow(/^EVM_CHAIN_ID: is 11155111, but NETWORK=mainnet means chain id 1/);
    expect(() => loadConfig({ NETWORK: 'sepolia-preprod', CARDANO_NETWORK: 'mainnet' })).toThrow(/^CARDANO_NETWORK: .*NETWORK=sepolia-preprod means Cardano preprod/);
    expect(() => loadConfig({ NETWORK: 'goerli' })).toThrow(ConfigError);
    expect(() => loadConfig({ NETWORK: 'goerli' })).toThrow(/^NETWORK: must be one of devnet, sepolia-preprod, mainnet/);
  });

  it('recognise the public Cardano networks by their system start', () => {
    expect(cardanoNetworkByStart('2022-06-01T00:00:00Z')).toBe('preprod');
    expect(cardanoNetworkByStart('2017-09-23T21:44:51.000Z')).toBe('mainnet');
    expect(cardanoNetworkByStart(new Date().toISOString())).toBeNull();
  });
});

describe('business metrics', () => {
  const createdAt = new Date('2026-01-01T00:00:00Z');
  const setup = () => {
    const registry = new Registry();
    const business = new BusinessMetrics({
      registry,
      orders: { get: async () => ({ createdAt }) as never, list: async () => ({ items: [], nextCursor: null }) },
      clock: () => 0,
      wsMaxConnections: 50,
      logger: createLogger({ level: 'silent' }),
    });
    const bus = business.observe(new InProcessBus());
    return { registry, business, bus };
  };
  const value = async (registry: Registry, name: string) =>
    (await registry.getSingleMetric(name)!.get()).values as { value: number; labels: Record<string, string | number>; metricName?: string }[];

  it('observe stage times and outcomes of published transitions, counted once however many subscribe', async () => {
    const { registry, bus } = setup();
    await bus.start();
    bus.subscribe('orders', () => undefined);
    bus.subscribe('orders', () => undefined);
    const update = (status: string, at: string) =>
      bus.publish('orders', { kind: 'updated', data: { orderHash: '0x01', maker: '0x02', status, previousStatus: 'x', at } });
    await update('src_escrowed', '2026-01-01T00:00:30Z');
    await update('executed', '2026-01-01T00:10:00Z');
    await update('refunded', '2026-01-01T01:00:00Z');
    await expect.poll(async () => (await value(registry, 'relayer_order_stage_seconds')).find((v) => v.metricName === 'relayer_order_stage_seconds_count' && v.labels.stage === 'refunded')?.value).toBe(1);
    const stages = await value(registry, 'relayer_order_stage_seconds');
    expect(stages.find((v) => v.metricName === 'relayer_order_stage_seconds_sum' && v.labels.stage === 'executed')?.value).toBe(600);
    expect(stages.find((v) => v.metricName === 'relayer_order_stage_seconds_sum' && v.labels.stage === 'src_escrowed')?.value).toBe(30);
    const outcomes = await value(registry, 'relayer_orders_finished_total');
    expect(outcomes.map((v) => [v.labels.outcome, v.value]).sort()).toEqual([['executed', 1], ['refunded', 1]]);
  });

  it('count a fill per resolver when its source escrow is final, not when merely observed', async () => {
    const { registry, bus } = setup();
    await bus.start();
    const escrow = (status: ChainEventUpdate['status']): ChainEventUpdate =>
      ({ status, event: { type: 'escrow_created', side: 'src', chain: '31337', taker: '0xAbC', id: 'e1' } }) as unknown as ChainEventUpdate;
    await bus.publish('chain', escrow('observed'));
    await bus.publish('chain', escrow('final'));
    await expect.poll(async () => (await value(registry, 'relayer_fills_total')).map((v) => [v.labels.chain, v.labels.resolver, v.value])).toEqual([['31337', '0xabc', 1]]);
  });

  it('report no leader and the WS limit before the relayer is wired', async () => {
    const { registry } = setup();
    const text = await registry.metrics();
    expect(text).toMatch(/^relayer_leader 0$/m);
    expect(text).toMatch(/^relayer_ws_max_connections 50$/m);
  });
});
