// The relayer's dashboard (issue 14). Plain ES module, no dependencies, no build step.
// Reads the public HTTP API and the public WebSocket channels only: it can show nothing a
// stranger could not fetch with curl. Everything that comes from a maker or a chain is put in
// the page as text (textContent), never as HTML.

const $ = (sel) => document.querySelector(sel);
const now = () => Date.now() / 1000;

/** Builds an element: h('div', { class: 'x', dataset: {…} }, child, 'text', …). */
function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'polyline', 'line', 'circle', 'rect', 'text'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), { code: body?.error?.code, status: res.status });
  return body;
}

// ---- units ------------------------------------------------------------------------------------

/** Decimals we know; anything else is shown in raw base units. The devnet token is deployed by
 * anvil's first account as its second contract, so its address is the same on every devnet. */
const KNOWN_ASSETS = {
  lovelace: { symbol: 'ADA', decimals: 6 },
  '0x0000000000000000000000000000000000000000': { symbol: 'ETH', decimals: 18 },
  '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512': { symbol: 'TEST', decimals: 18 },
};

function assetInfo(asset) {
  return KNOWN_ASSETS[String(asset).toLowerCase()] ?? null;
}

function short(s, head = 8, tail = 6) {
  s = String(s);
  return s.length <= head + tail + 1 ? s : `${s.slice(0, head)}…${s.slice(-tail)}`;
}

/** "1.5 ADA" for known assets (bigint maths, no float rounding), else "<raw> units of <asset>". */
function amount(raw, asset) {
  if (raw === null || raw === undefined) return '—';
  const info = assetInfo(asset);
  if (!info) return `${raw} (base units of ${short(asset)})`;
  const v = BigInt(raw);
  const unit = 10n ** BigInt(info.decimals);
  let frac = (v % unit).toString().padStart(info.decimals, '0').replace(/0+$/, '');
  if (frac.length > 6) frac = frac.slice(0, 6);
  return `${(v / unit).toString()}${frac ? `.${frac}` : ''} ${info.symbol}`;
}

function duration(s) {
  s = Math.max(0, Math.round(s));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function clockTime(unix) {
  return new Date(unix * 1000).toLocaleTimeString([], { hour12: false });
}

// ---- live updates -----------------------------------------------------------------------------

/** The WS API at /ws on this origin; resubscribes and resyncs after every reconnect. */
class Live {
  constructor() {
    this.channels = new Set();
    this.handlers = [];
    this.resyncs = [];
    this.delay = 500;
    this.connect();
  }
  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    setConn('connecting');
    ws.onopen = () => {
      this.delay = 500;
      setConn('live');
      if (this.channels.size > 0) ws.send(JSON.stringify({ op: 'subscribe', channels: [...this.channels] }));
      // Whatever happened while we were away: read it again.
      for (const f of this.resyncs) f();
    };
    ws.onmessage = (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      for (const f of this.handlers) f(msg);
    };
    ws.onclose = () => {
      setConn('offline');
      const wait = this.delay * (0.75 + Math.random() / 2);
      this.delay = Math.min(this.delay * 2, 10_000);
      setTimeout(() => this.connect(), wait);
    };
    ws.onerror = () => {}; // onclose follows and reconnects
  }
  subscribe(channels) {
    const fresh = channels.filter((c) => !this.channels.has(c));
    for (const c of fresh) this.channels.add(c);
    if (fresh.length > 0 && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ op: 'subscribe', channels: fresh }));
  }
  on(f) {
    this.handlers.push(f);
  }
  onResync(f) {
    this.resyncs.push(f);
  }
}

function setConn(state) {
  const el = $('#conn');
  el.dataset.state = state;
  el.textContent = { connecting: 'connecting…', live: '● live', offline: 'offline, reconnecting…' }[state];
}

// ---- search -----------------------------------------------------------------------------------

function route(q) {
  q = q.trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(q)) return `/orders/${q.toLowerCase()}`;
  if (/^0x[0-9a-fA-F]{40}$/.test(q) || /^addr(_test)?1[0-9a-z]+$/.test(q)) return `/?maker=${encodeURIComponent(q)}`;
  return null;
}

function setupSearch() {
  $('#search').addEventListener('submit', (e) => {
    e.preventDefault();
    const to = route($('#q').value);
    if (to) location.assign(to);
    else {
      $('#q').setCustomValidity('an order hash (0x + 64 hex) or a maker address (0x + 40 hex, addr…)');
      $('#q').reportValidity();
    }
  });
  $('#q').addEventListener('input', () => $('#q').setCustomValidity(''));
}

// ---- auction chart ----------------------------------------------------------------------------

/** The curve of architecture §5 as SVG: polyline through the vertices, the floor, the current point. */
function auctionChart(order, current) {
  const W = 240;
  const H = 64;
  const pad = 4;
  const a = order.auction;
  const start = BigInt(a.startAmount);
  const end = BigInt(a.endAmount);
  const span = start - end > 0n ? start - end : 1n;
  const x = (offset) => pad + ((W - 2 * pad) * Math.min(Math.max(offset, 0), a.duration)) / a.duration;
  const y = (amt) => pad + (H - 2 * pad - 8) * (1 - Number(((BigInt(amt) - end) * 10000n) / span) / 10000);
  const vertices = [[0, start], ...(a.points ?? []).map((p) => [p.offset, BigInt(p.amount)]), [a.duration, end]];
  const pts = vertices.map(([o, v]) => `${x(o).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const floorY = y(end).toFixed(1);
  const svg = h(
    'svg',
    { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': 'auction curve' },
    h('line', { class: 'floor', x1: pad, x2: W - pad, y1: floorY, y2: floorY }),
    h('polyline', { class: 'curve', points: pts }),
    h('circle', { class: 'now', r: 3.5, cx: x(now() - a.startTime).toFixed(1), cy: y(current ?? a.startAmount).toFixed(1) }),
  );
  return svg;
}

// ---- home: overview, live auctions, orders ------------------------------------------------------

/** /health answers 503 in the error model when a required check is down; the report is then in error.details. */
const healthReport = (body) => body?.error?.details ?? body;

function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+([-+0-9.eE]+|NaN)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

async function home(live) {
  const params = new URLSearchParams(location.search);
  const maker = params.get('maker');
  const main = $('#main');
  main.replaceChildren(
    h('section', { id: 'overview' }, h('h2', { text: 'Overview' }), h('div', { id: 'overview-body', class: 'cards' })),
    h(
      'section',
      { id: 'auctions' },
      h('h2', {}, 'Live auctions ', h('span', { id: 'auction-count', class: 'muted' })),
      h('div', { id: 'auction-list', class: 'auctions' }),
    ),
    h(
      'section',
      { id: 'orders' },
      h('h2', { text: maker ? `Orders of ${maker}` : 'Recent orders' }),
      h('table', { id: 'order-table' }, h('thead', {}, h('tr', {}, ['order', 'status', 'pair', 'maker', 'updated'].map((t) => h('th', { text: t })))), h('tbody')),
    ),
  );

  /** orderHash → { item, card } of the active orders shown. */
  const auctions = new Map();
  const renderAuction = (item) => {
    const o = item.order;
    const card = h(
      'article',
      { class: 'auction', dataset: { orderHash: item.orderHash } },
      h('a', { class: 'hash', href: `/orders/${item.orderHash}`, text: short(item.orderHash, 10, 8) }),
      h('div', { class: 'pair', text: `${amount(o.makingAmount, o.makerAsset)} → ${assetInfo(o.takerAsset)?.symbol ?? short(o.takerAsset)}` }),
      h('div', { class: 'chains muted', text: `${o.srcChain} → ${o.dstChain}` }),
      h('div', { class: 'price', dataset: { role: 'price', amount: item.currentAmount }, text: amount(item.currentAmount, o.takerAsset) }),
      auctionChart(o, item.currentAmount),
      h('div', { class: 'meta muted' }, h('span', { text: `floor ${amount(o.auction.endAmount, o.takerAsset)}` }), ' · ', h('span', { dataset: { role: 'left' } })),
    );
    return card;
  };
  const refreshCard = (entry) => {
    const { item, card } = entry;
    const o = item.order;
    const price = card.querySelector('[data-role=price]');
    price.dataset.amount = item.currentAmount;
    price.textContent = amount(item.currentAmount, o.takerAsset);
    card.querySelector('svg').replaceWith(auctionChart(o, item.currentAmount));
    const t = now();
    const endsAt = o.auction.startTime + o.auction.duration;
    card.querySelector('[data-role=left]').textContent =
      t < o.auction.startTime ? `starts in ${duration(o.auction.startTime - t)}` : t < endsAt ? `${duration(endsAt - t)} left` : 'at the floor';
  };
  const showAuctions = () => {
    const list = $('#auction-list');
    if (!list) return;
    $('#auction-count').textContent = `(${auctions.size})`;
    if (auctions.size === 0) list.replaceChildren(h('p', { class: 'muted', text: 'no active orders' }));
    else {
      list.querySelector('p')?.remove();
      for (const e of auctions.values()) if (!e.card.isConnected) list.append(e.card);
    }
  };
  const loadAuctions = async () => {
    const page = await api('/api/orders/active?limit=100');
    const seen = new Set();
    for (const item of page.items) {
      seen.add(item.orderHash);
      const e = auctions.get(item.orderHash);
      if (e) e.item.currentAmount = item.currentAmount;
      else auctions.set(item.orderHash, { item, card: renderAuction(item) });
    }
    for (const [hash, e] of auctions) if (!seen.has(hash)) (e.card.remove(), auctions.delete(hash));
    for (const e of auctions.values()) refreshCard(e);
    showAuctions();
  };

  const loadOrders = async () => {
    const q = new URLSearchParams({ limit: '20' });
    if (maker) q.set('maker', maker);
    const page = await api(`/api/orders?${q}`);
    const rows = page.items.map((o) =>
      h(
        'tr',
        { dataset: { orderHash: o.orderHash } },
        h('td', {}, h('a', { href: `/orders/${o.orderHash}`, text: short(o.orderHash, 10, 8) })),
        h('td', {}, h('span', { class: `status s-${o.status}`, text: o.status })),
        h('td', { text: `${amount(o.order.makingAmount, o.order.makerAsset)} → ${assetInfo(o.order.takerAsset)?.symbol ?? short(o.order.takerAsset)}` }),
        h('td', { class: 'mono', text: short(o.order.maker) }),
        h('td', { text: new Date(o.updatedAt).toLocaleTimeString([], { hour12: false }) }),
      ),
    );
    $('#order-table tbody').replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 5, class: 'muted', text: 'no orders' }))]));
  };

  let lastIntake = null;
  const loadOverview = async () => {
    const [health, metricsText] = await Promise.all([
      fetch('/health').then((r) => r.json()).then(healthReport),
      fetch('/metrics').then((r) => r.text()),
    ]);
    const metrics = parseMetrics(metricsText);
    const cards = [];
    for (const [name, c] of Object.entries(health.checks ?? {})) {
      const d = c.details ?? {};
      if (!/^(evm|cardano)/.test(name)) continue;
      const head = d.head?.height ?? null;
      const at = d.processed?.height ?? null;
      cards.push(
        h(
          'div',
          { class: 'card', dataset: { chain: name } },
          h('div', { class: 'label', text: name }),
          h('div', { class: `big st-${c.status}`, text: c.status === 'disabled' ? 'not connected' : head !== null ? `#${head}` : c.status }),
          h('div', { class: 'muted', text: d.role ?? (d.reason ? d.reason : `followed #${at ?? '—'} · lag ${d.lagBlocks ?? '—'} blocks`) }),
        ),
      );
    }
    const leader = health.checks?.leadership?.details?.leader;
    cards.push(h('div', { class: 'card' }, h('div', { class: 'label', text: 'this instance' }), h('div', { class: 'big', text: leader ? 'leader' : 'standby' }), h('div', { class: 'muted', text: `health: ${health.status}` })));
    const byStatus = metrics.filter((m) => m.name === 'relayer_orders' && m.value > 0);
    cards.push(
      h(
        'div',
        { class: 'card', id: 'per-status' },
        h('div', { class: 'label', text: 'orders per status' }),
        byStatus.length ? h('ul', {}, byStatus.map((m) => h('li', {}, h('span', { class: `status s-${m.labels.status}`, text: m.labels.status }), ` ${m.value}`))) : h('div', { class: 'muted', text: 'none' }),
      ),
    );
    const intake = metrics
      .filter((m) => m.name === 'relayer_http_requests_total' && m.labels.method === 'POST' && m.labels.route === '/api/orders' && m.labels.status === '201')
      .reduce((s, m) => s + m.value, 0);
    const t = now();
    const rate = lastIntake && t > lastIntake.t ? ((intake - lastIntake.n) * 60) / (t - lastIntake.t) : null;
    lastIntake = { n: intake, t };
    cards.push(h('div', { class: 'card' }, h('div', { class: 'label', text: 'intake' }), h('div', { class: 'big', text: rate === null ? `${intake}` : `${rate.toFixed(1)}/min` }), h('div', { class: 'muted', text: `${intake} orders accepted by this instance` })));
    const webhooks = metrics.filter((m) => m.name === 'relayer_webhook_deliveries_total');
    if (webhooks.length) {
      const sum = (outcome) => webhooks.filter((m) => m.labels.outcome === outcome).reduce((s, m) => s + m.value, 0);
      cards.push(h('div', { class: 'card', id: 'webhooks' }, h('div', { class: 'label', text: 'webhook deliveries' }), h('div', { class: 'big', text: `${sum('delivered')} ok` }), h('div', { class: 'muted', text: `${sum('failed')} failed attempts · ${sum('dead')} dead-lettered` })));
    }
    cards.push(await fillsCard().catch(() => h('div', { class: 'card muted', text: 'fills unavailable' })));
    $('#overview-body')?.replaceChildren(...cards);
  };

  /** Recent source escrows (fills) per resolver, from the public escrow list. */
  const fillsCard = async () => {
    const { items } = await api('/api/escrows');
    const byResolver = new Map();
    for (const e of items.filter((x) => x.side === 'src')) {
      const who = e.created?.taker ?? 'unknown';
      const r = byResolver.get(who) ?? { n: 0, last: 0 };
      r.n += 1;
      r.last = Math.max(r.last, e.created?.blockTime ?? 0);
      byResolver.set(who, r);
    }
    const top = [...byResolver.entries()].sort((a, b) => b[1].last - a[1].last).slice(0, 5);
    return h(
      'div',
      { class: 'card', id: 'fills' },
      h('div', { class: 'label', text: 'fills per resolver' }),
      top.length ? h('ul', {}, top.map(([who, r]) => h('li', { class: 'mono', text: `${short(who)}: ${r.n} (last ${clockTime(r.last)})` }))) : h('div', { class: 'muted', text: 'no fills yet' }),
    );
  };

  const settle = (p) => p.catch((err) => console.warn('dashboard: refresh failed', err.message));
  const resync = () => Promise.all([settle(loadAuctions()), settle(loadOrders()), settle(loadOverview())]);
  live.subscribe(maker ? ['orders', 'prices', `maker:${maker}`] : ['orders', 'prices']);
  live.onResync(resync);
  let ordersDue = null;
  live.on((msg) => {
    if (msg.type === 'price_update') {
      for (const p of msg.data.prices) {
        const e = auctions.get(p.orderHash);
        if (e) {
          e.item.currentAmount = p.amount;
          refreshCard(e);
        }
      }
    } else if (msg.type === 'order_created' || msg.type === 'order_updated') {
      // A new order is shown at once from the pushed message; its price follows with the next tick.
      const d = msg.data;
      if (msg.type === 'order_created' && d.status === 'active' && d.order && !auctions.has(d.orderHash)) {
        const item = { orderHash: d.orderHash, currentAmount: d.order.auction.startAmount, order: d.order };
        auctions.set(d.orderHash, { item, card: renderAuction(item) });
        refreshCard(auctions.get(d.orderHash));
        showAuctions();
      }
      // Re-read lists at most once a second, whatever the burst (stays far below the rate limit).
      ordersDue ??= setTimeout(() => {
        ordersDue = null;
        settle(loadAuctions());
        settle(loadOrders());
      }, 1000);
    }
  });
  setInterval(() => {
    for (const e of auctions.values()) refreshCard(e);
  }, 1000);
  setInterval(() => settle(loadOverview()), 5000);
  await resync();
}

// ---- one swap ---------------------------------------------------------------------------------

const HAPPY = [
  ['active', 'signed'],
  ['src_escrowed', 'source escrow'],
  ['escrowed', 'destination escrow'],
  ['ready_for_secret', 'final'],
  ['secret_revealed', 'secret'],
  ['executed', 'withdrawn'],
];
const REFUND_END = { expired: 'expired', cancelled: 'cancelled', invalid_fill: 'invalid fill', refunding: 'refunding', refunded: 'refunded' };

const NEXT = {
  active: 'The auction runs: a resolver fills it by opening the source escrow when the price suits it. Who acts: resolvers.',
  src_escrowed: 'The resolver must open the destination escrow with the promised amount. Who acts: the resolver.',
  escrowed: 'Both escrows exist; the relayer waits until both are final on their chains. Who acts: nobody (confirmations).',
  ready_for_secret: 'Both escrows are verified and final: the maker reveals the secret now. Who acts: the maker.',
  secret_revealed: 'The resolver withdraws on both chains with the secret (anyone may after the public window). Who acts: the resolver.',
  executed: 'Done: both escrows were withdrawn. Nobody needs to act.',
  expired: 'The order expired unfilled. Nothing is locked.',
  cancelled: 'The maker cancelled the order. Nothing is locked.',
  invalid_fill: 'An escrow did not match the order; it will be cancelled after its timelock. Who acts: the resolver (or anyone in the public window).',
  refunding: 'Cancellation windows are open: the escrows go back to their creators. Who acts: the resolver, then anyone.',
  refunded: 'Both escrows were cancelled: everyone got their funds back.',
};

function stepper(status, reached) {
  const refund = REFUND_END[status] !== undefined || reached.has('refunding');
  const steps = refund
    ? [['active', 'signed'], ...HAPPY.slice(1, 4).filter(([s]) => reached.has(s)), ...Object.entries(REFUND_END).filter(([s]) => s === status || (s === 'refunding' && reached.has(s)))]
    : HAPPY;
  return h(
    'ol',
    { class: 'stepper', id: 'stepper', dataset: { path: refund ? 'refund' : 'swap' } },
    steps.map(([s, label]) =>
      h('li', { class: s === status ? 'current' : reached.has(s) ? 'done' : 'todo', dataset: { step: s } }, h('span', { class: 'dot' }), h('span', { text: label })),
    ),
  );
}

/** Both escrows' deadlines on one time axis with a "now" marker. */
function deadlineBars(escrows) {
  const rows = escrows.filter((e) => e.created?.deadlines);
  if (rows.length === 0) return h('p', { class: 'muted', text: 'no escrow yet' });
  const all = rows.flatMap((e) => [e.created.deployedAt, ...Object.values(e.created.deadlines)]);
  const t0 = Math.min(...all);
  const t1 = Math.max(...all, now());
  const pct = (t) => `${((100 * (t - t0)) / Math.max(1, t1 - t0)).toFixed(2)}%`;
  const stage = (from, to, cls, label) => h('div', { class: `seg ${cls}`, title: `${label}: ${clockTime(from)}–${clockTime(to)}`, style: null, dataset: { left: pct(from), width: pct(t0 + (to - from)) } }, label);
  const bars = rows.map((e) => {
    const d = e.created.deadlines;
    const segs = [
      stage(e.created.deployedAt, d.withdrawal, 'wait', 'finality lock'),
      stage(d.withdrawal, d.publicWithdrawal, 'w', 'withdraw'),
      stage(d.publicWithdrawal, d.cancellation, 'pw', 'public withdraw'),
      stage(d.cancellation, d.publicCancellation ?? d.cancellation + Math.max(60, (t1 - t0) / 10), 'c', d.publicCancellation ? 'cancel' : 'cancel →'),
    ];
    if (d.publicCancellation) segs.push(stage(d.publicCancellation, Math.max(t1, d.publicCancellation + 1), 'pc', 'public cancel'));
    return h('div', { class: 'bar-row' }, h('div', { class: 'bar-label', text: `${e.side === 'src' ? 'source' : 'destination'} (${e.chain})` }), h('div', { class: 'bar' }, segs, h('div', { class: 'now-line', title: 'now', dataset: { left: pct(now()) } })));
  });
  const wrap = h('div', { class: 'deadlines' }, bars);
  // CSP: no inline style attributes; positions are set through the CSSOM, which CSP allows.
  for (const el of wrap.querySelectorAll('[data-left]')) {
    el.style.left = el.dataset.left;
    if (el.dataset.width) el.style.width = el.dataset.width;
  }
  return wrap;
}

async function orderPage(live, hash) {
  const main = $('#main');
  let heads = {};
  const load = async () => {
    let d;
    try {
      d = await api(`/api/orders/${hash}`);
    } catch (err) {
      main.replaceChildren(h('h2', { text: 'Order not found' }), h('p', { class: 'muted', text: `${short(hash, 12, 10)}: ${err.code ?? err.message}` }));
      return;
    }
    try {
      const health = await fetch('/health').then((r) => r.json()).then(healthReport);
      heads = {};
      for (const c of Object.values(health.checks ?? {})) {
        const x = c.details ?? {};
        if (x.chain) heads[x.chain] = x.head?.height ?? null;
      }
    } catch {
      /* confirmations then show as unknown */
    }
    render(d);
  };
  // The newest status pushed over the WS: a reply to a read that started before that push is
  // stale and not shown (the read the push scheduled follows).
  let pushed = null;
  const RANK = Object.fromEntries([...HAPPY.map(([st]) => st), ...Object.keys(REFUND_END)].map((st, i) => [st, i]));
  const render = (d) => {
    if (pushed && d.status !== pushed && RANK[d.status] < RANK[pushed]) return;
    const o = d.order;
    const reached = new Set(['active', ...d.timeline.map((e) => e.toStatus), d.status]);
    const txs = [];
    for (const e of d.escrows) {
      const conf = e.final ? 'final' : heads[e.chain] != null ? `${Math.max(0, heads[e.chain] - Number(e.blockNumber) + 1)} conf.` : 'unconfirmed';
      txs.push({ at: e.created?.blockTime ?? 0, what: `${e.side === 'src' ? 'source' : 'destination'} escrow created`, chain: e.chain, tx: e.txHash, conf });
      if (e.statusEvent) txs.push({ at: e.statusEvent.blockTime ?? 0, what: `${e.side === 'src' ? 'source' : 'destination'} escrow ${e.status}`, chain: e.chain, tx: e.statusEvent.txHash, conf: e.final ? 'final' : '' });
    }
    const events = [
      { at: new Date(d.createdAt).getTime() / 1000, what: 'order signed and accepted', chain: '', tx: '', conf: '' },
      ...d.timeline.filter((e) => e.fromStatus !== null || e.toStatus !== 'active').map((e) => ({ at: new Date(e.at).getTime() / 1000, what: `${e.fromStatus ?? '—'} → ${e.toStatus}`, chain: '', tx: '', conf: '' })),
      ...txs,
    ].sort((a, b) => a.at - b.at);
    const parts = [
      h('h2', {}, 'Swap ', h('span', { class: 'mono', text: short(hash, 12, 10), title: hash })),
      h('div', { id: 'stage', class: `status s-${d.status}`, dataset: { status: d.status }, text: d.status }),
      stepper(d.status, reached),
      h('p', { id: 'next', class: 'next', text: NEXT[d.status] ?? '' }),
      h(
        'dl',
        { class: 'facts' },
        h('dt', { text: 'gives' }), h('dd', { text: `${amount(o.makingAmount, o.makerAsset)} on ${o.srcChain}` }),
        h('dt', { text: 'wants' }), h('dd', { text: `${amount(o.auction.startAmount, o.takerAsset)} → ${amount(o.auction.endAmount, o.takerAsset)} on ${o.dstChain}` }),
        d.currentAmount !== null ? [h('dt', { text: 'price now' }), h('dd', { id: 'order-price', dataset: { amount: d.currentAmount, asset: o.takerAsset }, text: amount(d.currentAmount, o.takerAsset) })] : null,
        h('dt', { text: 'maker' }), h('dd', { class: 'mono', text: o.maker }),
        h('dt', { text: 'receiver' }), h('dd', { class: 'mono', text: o.receiver }),
        h('dt', { text: 'expires' }), h('dd', { text: new Date(o.expiry * 1000).toLocaleString() }),
      ),
      d.status === 'active' ? auctionChart(o, d.currentAmount) : null,
      h('h3', { text: 'Deadlines' }),
      deadlineBars(d.escrows),
      h('h3', { text: 'Timeline' }),
      h(
        'table',
        { id: 'timeline' },
        h('thead', {}, h('tr', {}, ['time', 'what', 'chain', 'transaction', 'confirmations'].map((t) => h('th', { text: t })))),
        h('tbody', {}, events.map((e) => h('tr', {}, h('td', { text: e.at ? clockTime(e.at) : '' }), h('td', { text: e.what }), h('td', { text: e.chain }), h('td', { class: 'mono', text: e.tx ? short(e.tx, 10, 8) : '', title: e.tx }), h('td', { text: e.conf })))),
      ),
    ];
    main.replaceChildren(...parts.filter((p) => p !== null));
  };
  live.subscribe([`order:${hash}`]);
  live.onResync(load);
  let due = null;
  live.on((msg) => {
    if (msg.type === 'price_update') {
      const p = msg.data.prices.find((x) => x.orderHash === hash);
      const el = $('#order-price');
      if (p && el) {
        el.dataset.amount = p.amount;
        el.textContent = amount(p.amount, el.dataset.asset ?? 'lovelace');
      }
    } else if (['order_created', 'order_updated', 'escrow_event'].includes(msg.type)) {
      // Show a pushed status at once (each one, even when several come in a burst); details follow.
      const stage = $('#stage');
      if (msg.type === 'order_updated' && msg.data.orderHash === hash && stage) {
        pushed = msg.data.status;
        stage.dataset.status = pushed;
        stage.className = `status s-${pushed}`;
        stage.textContent = pushed;
      }
      due ??= setTimeout(() => {
        due = null;
        load();
      }, 50);
    }
  });
  await load();
}

// ---- start ------------------------------------------------------------------------------------

setupSearch();
const live = new Live();
const m = /^\/orders\/(0x[0-9a-fA-F]{64})\/?$/.exec(location.pathname);
if (m) orderPage(live, m[1].toLowerCase());
else home(live);
