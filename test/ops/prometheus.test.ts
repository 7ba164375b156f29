/**
 * The alert rules and the dashboard stay true to the code: promtool (Debian's `prometheus`
 * package; .ci/run installs it) checks and unit-tests the rules, and every metric that a rule or
 * a dashboard panel queries must be served at /metrics by a running relayer following both
 * devnets (scraped for real, not read from the source).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { ROOT, waitFor } from './support.js';

const OPS = path.join(ROOT, 'ops');
const RULES = path.join(OPS, 'prometheus/alerts.yml');
const DASHBOARD = path.join(OPS, 'grafana/fusion-relayer.json');

function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('promtool not found: install Debian\'s "prometheus" package (apt-get install -y prometheus); .ci/run does this');
  return found;
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan', 'le']);
/** Series Prometheus makes itself (not served by the relayer). */
const PROMETHEUS_SERIES = new Set(['up']);

/** The metric names a PromQL expression reads. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\$\w+/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const end = m.index + word.length;
    if (/^\s*\(/.test(stripped.slice(end)) || PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

describe('alert rules (promtool)', () => {
  it('pass promtool check rules', () => {
    const out = execFileSync(promtool(), ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it('pass their unit tests (promtool test rules)', () => {
    const r = spawnSync(promtool(), ['test', 'rules', 'alerts.test.yml'], { cwd: path.dirname(RULES), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('name every failure the operator must hear about', () => {
    const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(rules).toEqual(
      expect.arrayContaining(['EvmMonitorBehind', 'CardanoMonitorBehind', 'EvmRpcErrors', 'OgmiosReconnects', 'NoLeader', 'SecretStageDeadlineClose', 'PublicActionsUnclaimed', 'WebSocketSaturation', 'OrderIntakeErrors']),
    );
  });
});

describe('every metric the rules and the dashboard query is served at /metrics', () => {
  let evm: EvmDevnet;
  let cardano: CardanoDevnet;
  let pg: TestPostgres;
  let relayer: RunningRelayer;

  beforeAll(async () => {
    [evm, cardano, pg] = await Promise.all([startEvmDevnet(), startCardanoDevnet(), withPostgres({ migrate: false })]);
    relayer = await startRelayer(loadConfig({ HTTP_PORT: '0', WS_PORT: '0', HOST: '127.0.0.1', DATABASE_URL: pg.url }), {
      devnets: { evm, cardano },
      logger: createLogger({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await relayer?.stop();
    await Promise.all([evm?.stop(), cardano?.stop(), pg?.drop()]);
  });

  it('scrapes a relayer following both devnets and finds each one', async () => {
    // The followers register their metrics once they follow the chains: one set of names, a `chain` label each.
    const text = await waitFor(async () => {
      const t = await (await fetch(`${relayer.httpUrl}/metrics`)).text();
      return t.includes(`\nchain_follower_head_height{chain="${evm.chainId}"}`) && t.includes(`\nchain_follower_connected{chain="${cardano.chain}"} 1`) ? t : undefined;
    }, 'the followers\' metrics');
    const served = new Map<string, string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) served.set(m[1]!, m[2]!);
    const isServed = (name: string) => {
      if (served.has(name) || PROMETHEUS_SERIES.has(name)) return true;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return base !== name && served.get(base) === 'histogram';
    };

    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const rules = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const queries = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `dashboard panel "${p.title}"`, expr: t.expr }))),
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
    ];
    expect(queries.length).toBeGreaterThan(30);
    const missing = queries.flatMap((q) => metricNames(q.expr).filter((n) => !isServed(n)).map((n) => `${n} (${q.where})`));
    expect(missing).toEqual([]);
    // The extractor itself sees the metrics (a broken one would pass vacuously).
    expect(metricNames('sum by (le, stage) (rate(relayer_order_stage_seconds_bucket{a="b"}[1h])) / relayer_x')).toEqual(['relayer_order_stage_seconds_bucket', 'relayer_x']);
    // The business metrics the audit asked for.
    for (const name of ['relayer_order_stage_seconds', 'relayer_fills_total', 'relayer_orders_finished_total', 'relayer_leader', 'relayer_public_actions_open']) {
      expect(served.has(name), name).toBe(true);
    }
    expect(text).toMatch(/^relayer_leader 1$/m);
    expect(text).toMatch(/^relayer_public_actions_open\{action="withdraw",side="dst"\} 0$/m);
  });
});
