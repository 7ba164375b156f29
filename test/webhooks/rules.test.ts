/** SSRF rules, signatures, fan-out planning and backoff: the pure parts of webhooks. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { advanceCursor, backoffMs, planOrderEvents, type OrderEventRow } from '../../src/webhooks/events.js';
import { sign, verify } from '../../src/webhooks/signature.js';
import { isPrivateAddress, parseWebhookUrl, WebhookUrlError } from '../../src/webhooks/url-guard.js';

const refused = (url: string) => {
  try {
    parseWebhookUrl(url, false);
  } catch (err) {
    return (err as WebhookUrlError).code;
  }
  return 'accepted';
};

describe('webhook URL guard', () => {
  it('refuses loopback, private, link-local and reserved targets in every spelling an attacker might try', () => {
    for (const url of [
      'http://127.0.0.1/x',
      'http://127.1/x',
      'http://2130706433/x', // decimal 127.0.0.1
      'http://0x7f000001/x',
      'http://0177.0.0.1/x',
      'http://0.0.0.0/x',
      'http://localhost:8080/x',
      'http://api.localhost/x',
      'http://[::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[::ffff:7f00:1]/x',
      'http://[::]/x',
      'http://10.1.2.3/x',
      'http://172.16.0.1/x',
      'http://192.168.1.1/x',
      'http://169.254.169.254/latest/meta-data/', // cloud metadata
      'http://100.64.0.1/x',
      'http://[fe80::1]/x',
      'http://[fd00::1]/x',
      'http://224.0.0.1/x',
    ]) {
      expect(refused(url), url).toBe('WEBHOOK_TARGET_FORBIDDEN');
    }
  });

  it('refuses what is not a plain http(s) URL', () => {
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'http://user:pw@example.com/', 'example.com/hook', 'https://example.com/#frag']) {
      expect(refused(url), url).toBe('INVALID_WEBHOOK_URL');
    }
  });

  it('accepts public addresses, and private ones only when allowed', () => {
    expect(refused('https://93.184.216.34/hook')).toBe('accepted');
    expect(refused('https://[2606:4700::1111]/hook')).toBe('accepted');
    expect(parseWebhookUrl('http://127.0.0.1:9999/x', true).port).toBe('9999');
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('not-an-ip')).toBe(true);
  });
});

describe('signatures', () => {
  it('is HMAC-SHA256 over "<timestamp>.<body>", checkable with plain node:crypto, and bounded in time', () => {
    const secret = 'whsec_test';
    const body = '{"id":"x"}';
    const ts = 1_800_000_000;
    const mine = `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
    expect(sign(secret, ts, body)).toBe(mine);
    expect(verify(secret, { signature: mine, timestamp: String(ts) }, body, ts + 10)).toBe(true);
    expect(verify(secret, { signature: mine, timestamp: String(ts) }, body, ts + 301)).toBe(false); // replayed later
    expect(verify(secret, { signature: mine, timestamp: String(ts) }, `${body} `, ts)).toBe(false);
    expect(verify('other', { signature: mine, timestamp: String(ts) }, body, ts)).toBe(false);
  });
});

describe('fan-out planning', () => {
  const ev = (id: bigint, from: string | null, to: string, maker = '0xaa'): OrderEventRow => ({ id, orderHash: '0x01', maker, fromStatus: from, toStatus: to, at: new Date(0) });

  it('gives each webhook the types it asked for, after its registration, filtered by maker', () => {
    const hooks = [
      { id: 'all', events: ['order.created', 'order.status_changed'], maker: null, afterEventId: 1n },
      { id: 'maker', events: ['order.ready_for_secret'], maker: '0xbb', afterEventId: 0n },
    ];
    const plan = planOrderEvents([ev(1n, null, 'active'), ev(2n, 'escrowed', 'ready_for_secret', '0xbb'), ev(3n, 'escrowed', 'ready_for_secret', '0xaa')], hooks);
    expect(plan.map((p) => `${p.webhookId} ${p.eventKey}`)).toEqual([
      'all order.status_changed:2',
      'maker order.ready_for_secret:2',
      'all order.status_changed:3',
    ]);
  });

  it('does not move the cursor past a gap until the gap is old (a transaction may still commit it)', () => {
    const at = (ms: number) => new Date(ms);
    const events = [
      { id: 1n, at: at(1_000) },
      { id: 2n, at: at(1_000) },
      { id: 4n, at: at(9_000) },
    ];
    expect(advanceCursor(0n, events, 10_000, 30_000)).toBe(2n);
    expect(advanceCursor(0n, events, 50_000, 30_000)).toBe(4n);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
