/**
 * Errors the devnet answers with, in Ogmios's JSON-RPC error shape (`{code, message, data}`).
 * The emulator throws plain `Error`s with English messages; `submitFailure` maps the ones we
 * know to the Ogmios submit codes (3xxx) so clients can branch on the code, as with a node.
 */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  /** JSON-RPC protocol errors (unknown method, bad params, internal) are sent without `method`, as Ogmios does. */
  get generic(): boolean {
    return this.code <= -32000 && this.code >= -32700 && this.data === undefined;
  }
}

/** Raised by the wrapped evaluator: a Plutus script failed (phase 2). */
export class ScriptFailure extends Error {}

const num = (s: string | undefined) => BigInt(s ?? '0');

export function submitFailure(err: unknown, currentSlot: number): RpcFailure {
  if (err instanceof RpcFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ScriptFailure) {
    return new RpcFailure(3010, 'Some scripts of the transactions terminated with error(s).', [
      {
        validator: { purpose: 'spend', index: 0 },
        error: { code: 3012, message: 'Script evaluation failed.', data: { validationError: message, traces: traces(message) } },
      },
    ]);
  }
  let m: RegExpMatchArray | null;
  if ((m = message.match(/Validity interval \((\S+) to (\S+)\)/))) {
    const [from, until] = [m[1], m[2]];
    return new RpcFailure(3118, 'The transaction is outside of its validity interval.', {
      validityInterval: {
        ...(from && from !== '-Infinity' ? { invalidBefore: Number(from) } : {}),
        ...(until && until !== 'Infinity' ? { invalidAfter: Number(until) } : {}),
      },
      currentSlot,
    });
  }
  if ((m = message.match(/Insufficient transaction fee\. Supplied: (\d+), Required: (\d+)/))) {
    return new RpcFailure(3122, 'Insufficient fee.', {
      minimumRequiredFee: { ada: { lovelace: num(m[2]) } },
      providedFee: { ada: { lovelace: num(m[1]) } },
    });
  }
  if ((m = message.match(/Vkey \(hash ([0-9a-f]{56})\) not found/))) {
    return new RpcFailure(3101, 'Missing signatories.', { missingSignatories: [m[1]] });
  }
  if ((m = message.match(/Invalid vkey in witness set/))) {
    return new RpcFailure(3100, 'Invalid signatories.', { invalidSignatories: [] });
  }
  if ((m = message.match(/Script \(hash ([0-9a-f]{56})\) not found/))) {
    return new RpcFailure(3102, 'Missing scripts.', { missingScripts: [m[1]] });
  }
  if ((m = message.match(/Extraneous Plutus witness\. ([0-9a-f]{56})/))) {
    return new RpcFailure(3104, 'Extraneous scripts.', { extraneousScripts: [m[1]] });
  }
  if (/Inputs must not be an empty set/.test(message)) {
    return new RpcFailure(3121, 'Empty input set.', {});
  }
  if (/Collateral inputs are insufficient/.test(message)) {
    return new RpcFailure(3128, 'Insufficient collateral.', {
      providedCollateral: { ada: { lovelace: 0n } },
      minimumRequiredCollateral: { ada: { lovelace: 0n } },
    });
  }
  return new RpcFailure(3997, 'Transaction rejected by the ledger.', { error: message });
}

/** Plutus traces (the emulator folds them into the error text). */
function traces(message: string): string[] {
  const m = message.match(/[Tt]races?:?\s*\[?([^\]]*)\]?/);
  if (!m?.[1]) return [];
  return m[1]
    .split(/\n|,/)
    .map((s) => s.trim())
    .filter(Boolean);
}
