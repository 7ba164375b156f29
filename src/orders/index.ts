export { OrderService, type OrderServiceDeps, type SubmitInput, type OrderDetail } from './service.js';
export { RelayerError, isRelayerError, ERROR_CODES, type ErrorCode } from './errors.js';
export type { MakerFundsCheck, MakerFundsResult, EscrowQueries } from './ports.js';
