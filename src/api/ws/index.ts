export { WsGateway, type WsGatewayOptions, type WsGatewayStatus } from './gateway.js';
export { CLOSE, ERROR_CODES, normalizeChannel, type ErrorCode, type MessageType } from './protocol.js';
