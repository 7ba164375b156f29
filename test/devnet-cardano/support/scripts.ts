/**
 * Two tiny Plutus V3 validators, compiled once with plu-ts 0.9 (`plam(data, unit)`), committed
 * as flat bytes so tests need no compiler: one always succeeds, one always fails.
 */
import { Core } from '@blaze-cardano/sdk';

const ALWAYS_OK_FLAT = '01010098004926a40a81';
const ALWAYS_FAIL_FLAT = '010100980049a902a1';

/** Blaze wants the flat bytes CBOR-wrapped twice. */
function v3(flat: string): Core.Script {
  const once = cborBytes(flat);
  return Core.Script.newPlutusV3Script(Core.PlutusV3Script.fromCbor(Core.HexBlob(cborBytes(once))));
}

function cborBytes(hex: string): string {
  const n = hex.length / 2;
  if (n < 24) return (0x40 + n).toString(16).padStart(2, '0') + hex;
  if (n < 256) return '58' + n.toString(16).padStart(2, '0') + hex;
  return '59' + n.toString(16).padStart(4, '0') + hex;
}

export const alwaysOk = (): Core.Script => v3(ALWAYS_OK_FLAT);
export const alwaysFail = (): Core.Script => v3(ALWAYS_FAIL_FLAT);

/** Enterprise testnet address whose payment credential is the script. */
export function scriptAddress(script: Core.Script): Core.Address {
  return new Core.Address({
    type: Core.AddressType.EnterpriseScript,
    networkId: Core.NetworkId.Testnet,
    paymentPart: { type: Core.CredentialType.ScriptHash, hash: script.hash() },
  });
}
