export { ActiveOrderBookImpl, systemClock, type ActiveOrderBookOptions, type UnixClock } from './book.js';
export { PriceTicker, type PriceTickerOptions, type TickResult } from './ticker.js';
export type { ActiveOrderBook, ActiveOrderSnapshot, PricedOrder } from './types.js';
