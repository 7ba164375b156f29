/**
 * Validates Ogmios messages against the published Ogmios v6.14.0 JSON schemas
 * (`ogmios.json`, `cardano.json`, MPL-2.0, see LICENSE.MPL-2.0), loaded from this folder.
 *
 * Two known defects of the published schema are patched at load time, and only these:
 *  - `Value.propertyNames` (`^[0-9a-f]{56}$`) also applies to the required `ada` key, so no
 *    value with lovelace could ever validate: loosened to `^(ada|[0-9a-f]{56})$`.
 *  - `RpcError.error.required` lists `"string"` (a typo for `"message"`), so no JSON-RPC
 *    error could validate: replaced by `["code", "message"]`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const here = dirname(fileURLToPath(import.meta.url));

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function load(name: string): Schema {
  const schema = JSON.parse(readFileSync(join(here, name), 'utf8')) as Schema;
  delete schema.$schema; // draft-07 under an https URL ajv does not know by that name
  return schema;
}

/** Reply schema of every method the devnet serves (names of `ogmios.json#/properties`). */
export const RESPONSE_SCHEMAS: Record<string, string> = {
  findIntersection: 'FindIntersectionResponse',
  nextBlock: 'NextBlockResponse',
  submitTransaction: 'SubmitTransactionResponse',
  evaluateTransaction: 'EvaluateTransactionResponse',
  'queryNetwork/tip': 'QueryNetworkTipResponse',
  'queryNetwork/startTime': 'QueryNetworkStartTimeResponse',
  'queryNetwork/blockHeight': 'QueryNetworkBlockHeightResponse',
  'queryLedgerState/tip': 'QueryLedgerStateTipResponse',
  'queryLedgerState/epoch': 'QueryLedgerStateEpochResponse',
  'queryLedgerState/eraStart': 'QueryLedgerStateEraStartResponse',
  'queryLedgerState/eraSummaries': 'QueryLedgerStateEraSummariesResponse',
  'queryLedgerState/protocolParameters': 'QueryLedgerStateProtocolParametersResponse',
  'queryLedgerState/utxo': 'QueryLedgerStateUtxoResponse',
  acquireMempool: 'AcquireMempoolResponse',
  nextTransaction: 'NextTransactionResponse',
  hasTransaction: 'HasTransactionResponse',
  releaseMempool: 'ReleaseMempoolResponse',
};

export interface OgmiosValidator {
  /** Validates against `ogmios.json#/properties/<name>` (e.g. "NextBlockResponse"). */
  validate(name: string, message: unknown): { ok: boolean; errors: ErrorObject[] };
  /** Validates a reply by its `method` (RpcError when it has no method). */
  validateReply(message: { method?: string }): { ok: boolean; schema: string; errors: ErrorObject[] };
}

export function createOgmiosValidator(): OgmiosValidator {
  const cardano = load('cardano.json');
  const ogmios = load('ogmios.json');
  cardano.definitions.Value.propertyNames.pattern = '^(ada|[0-9a-f]{56})$';
  ogmios.properties.RpcError.properties.error.required = ['code', 'message'];

  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:/i);
  ajv.addSchema(cardano);
  ajv.addSchema(ogmios);
  const cache = new Map<string, ValidateFunction>();
  const validate = (name: string, message: unknown) => {
    let fn = cache.get(name);
    if (!fn) {
      fn = ajv.getSchema(`ogmios.json#/properties/${name}`);
      if (!fn) throw new Error(`no schema ogmios.json#/properties/${name}`);
      cache.set(name, fn);
    }
    const ok = fn(message) as boolean;
    return { ok, errors: fn.errors ?? [] };
  };
  return {
    validate,
    validateReply(message) {
      const schema = message.method ? RESPONSE_SCHEMAS[message.method] : 'RpcError';
      if (!schema) return { ok: false, schema: 'unknown', errors: [] };
      return { ...validate(schema, message), schema };
    },
  };
}
