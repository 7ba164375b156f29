/**
 * The Cardano HTLC escrow, Plutus V3, in plu-ts. One validator serves both sides of a swap:
 * the datum says who is paid on withdraw and on cancel, and whether a public cancellation
 * exists (source escrows) or not (destination escrows).
 *
 * Datum, redeemer and rules are fixed by the team (see README.md next to this file). Times are
 * POSIX milliseconds and are judged from the transaction's validity interval, whose two bounds
 * must both be finite:
 *   lower = first valid instant (inclusive), upper = the ledger's `invalidHereafter` (exclusive).
 * "Before cancellation" therefore means `upper <= cancellationAt`: every instant the
 * transaction could be valid at is strictly before `cancellationAt`.
 */
import {
  bs,
  data,
  int,
  pBool,
  pdelay,
  pfn,
  pkeccak_256,
  plet,
  pmatch,
  PAddress,
  PMaybe,
  PPubKeyHash,
  PScriptContext,
  PTxOutRef,
  passert,
  perror,
  peqData,
  pConstrToData,
  pList,
  pif,
  bool,
  punBData,
  punIData,
  phead,
  pByteString,
  compileIRToUPLC,
  UPLCEncoder,
  UPLCProgram,
  UPLCVersion,
  pStr,
  pstruct,
  ptraceIfFalse,
  punsafeConvertType,
  unit,
  type Term,
  type TermBool,
} from '@harmoniclabs/plu-ts';

export const EscrowAsset = pstruct({
  EscrowAsset: { policyId: bs, assetName: bs },
});

export const EscrowDatum = pstruct({
  EscrowDatum: {
    orderHash: bs,
    hashlock: bs,
    maker: PPubKeyHash.type,
    taker: PPubKeyHash.type,
    withdrawTo: PAddress.type,
    cancelTo: PAddress.type,
    asset: EscrowAsset.type,
    amount: int,
    safetyDeposit: int,
    withdrawalAt: int,
    publicWithdrawalAt: int,
    cancellationAt: int,
    publicCancellationAt: PMaybe(int).type,
  },
});

export const EscrowRedeemer = pstruct({
  Withdraw: { secret: bs },
  PublicWithdraw: { secret: bs },
  Cancel: {},
  PublicCancel: {},
});

/** ptraceIfFalse wants its message delayed. */
function check(message: string, condition: Term<any>): TermBool {
  return ptraceIfFalse.$(pdelay(pStr(message))).$(condition) as TermBool;
}

export const escrowValidator = pfn(
  [PScriptContext.type],
  unit,
)(({ redeemer, tx, purpose }) => {
  const ownRef = plet(
    pmatch(purpose)
      .onSpending(({ utxoRef }) => utxoRef)
      ._((_) => perror(PTxOutRef.type)),
  );
  const maybeDatum = plet(
    pmatch(purpose)
      .onSpending(({ datum }) => datum)
      ._((_) => perror(PMaybe(data).type)),
  );
  const d = plet(punsafeConvertType(maybeDatum.unwrap, EscrowDatum.type));

  const lower = plet(
    pmatch(tx.interval.from.bound)
      .onPFinite(({ n }) => n)
      ._((_) => perror(int, 'no lower bound')),
  );
  const upper = plet(
    pmatch(tx.interval.to.bound)
      .onPFinite(({ n }) => n)
      ._((_) => perror(int, 'no upper bound')),
  );

  // The payout output for THIS escrow: its inline datum is this escrow's output reference, so
  // one output can never pay two escrows spent in the same transaction (double satisfaction).
  // POutputDatum.InlineDatum(ownRef) = Constr 2 [ownRef], built once and compared as data.
  const taggedDatum = plet(pConstrToData.$(2).$(pList(data)([punsafeConvertType(ownRef, data)])));
  const asset = plet(d.asset);
  const pays = (payee: Term<any>): TermBool =>
    tx.outputs.some((out) =>
      out.address.eq(payee).and(
        peqData
          .$(punsafeConvertType(out.datum, data))
          .$(taggedDatum)
          .and((out.value as any).amountOf(asset.policyId, asset.assetName).gtEq(d.amount)),
      ),
    );

  const signedByTaker = (): TermBool => check('taker did not sign', tx.signatories.some((signer) => signer.eq(d.taker)));
  const secretOk = (secret: Term<any>): TermBool =>
    check('secret not 32 bytes', (secret as any).length.eq(32)).and(
      check('wrong secret', pkeccak_256.$(secret).eq(d.hashlock)),
    );
  const beforeCancellation = (): TermBool => check('too late: cancellation reached', upper.ltEq(d.cancellationAt));

  // Dispatch on the redeemer's constructor index with `pif` rather than `pmatch`: no branch binds
  // a variable, so every branch sees the let-bound values above at the same depth (plu-ts 0.9
  // mis-resolved them when branches bound different numbers of fields).
  const red = plet(punsafeConvertType(redeemer, EscrowRedeemer.type));
  const action = plet(red.raw.index);
  // Both below may be evaluated eagerly (plu-ts places shared let-bound terms above the branch
  // that uses them), so each is total: no `head` of an empty field list.
  const secretTerm = plet(
    pif(bs)
      .$(action.ltEq(1))
      .then(punBData.$(phead(data).$(red.raw.fields)))
      .else(pByteString('')),
  );
  const secret = () => secretTerm;
  const publicCancellation = plet(d.publicCancellationAt);
  const publicCancellationOpen = plet(
    pif(bool)
      .$(publicCancellation.raw.index.eq(0))
      .then(punIData.$(phead(data).$(publicCancellation.raw.fields)).ltEq(lower))
      .else(pBool(false)),
  );

  const withdrawCase = signedByTaker()
    .and(secretOk(secret()))
    .and(check('withdrawal not open', d.withdrawalAt.ltEq(lower)))
    .and(beforeCancellation())
    .and(check('withdrawTo not paid', pays(d.withdrawTo)));
  const publicWithdrawCase = secretOk(secret())
    .and(check('public withdrawal not open', d.publicWithdrawalAt.ltEq(lower)))
    .and(beforeCancellation())
    .and(check('withdrawTo not paid', pays(d.withdrawTo)));
  // Cancellations have no deadline; `upper` is still forced so every action requires both bounds.
  const cancelCase = signedByTaker()
    .and(check('cancellation not open', d.cancellationAt.ltEq(lower)))
    .and(check('cancelTo not paid', pays(d.cancelTo)))
    .and(upper.gtEq(lower));
  // publicCancellationAt: Just = Constr 0 [ms], Nothing = Constr 1 [] (destination escrows).
  const publicCancelCase = check('public cancellation not open', publicCancellationOpen)
    .and(check('cancelTo not paid', pays(d.cancelTo)))
    .and(upper.gtEq(lower));

  return passert.$(
    pif(bool)
      .$(action.eq(0))
      .then(withdrawCase)
      .else(
        pif(bool)
          .$(action.eq(1))
          .then(publicWithdrawCase)
          .else(
            pif(bool)
              .$(action.eq(2))
              .then(cancelCase)
              .else(check('unknown redeemer', action.eq(3)).and(publicCancelCase)),
          ),
      ),
  );
});

/**
 * Flat-encoded UPLC program (Plutus V3, UPLC 1.1.0). Compiled with plu-ts's debug settings (no
 * hoist delaying, no UPLC-level rewrites, traces kept): with the default (production) settings
 * plu-ts 0.9 mis-scoped let-bound terms of this validator and valid spends failed with
 * "attempted to apply an argument to a non-function".
 */
export function compileEscrow(): Uint8Array {
  const options = {
    targetUplcVersion: new UPLCVersion(1, 1, 0),
    removeTraces: false,
    delayHoists: false,
    addMarker: false,
    uplcOptimizations: { groupApplications: false, inlineSingleUse: false, simplifyWrappedPartialFuncApps: false, removeForceDelay: false },
  };
  const uplc = compileIRToUPLC(escrowValidator.toIR(options, 0), options);
  return UPLCEncoder.compile(new UPLCProgram(new UPLCVersion(1, 1, 0), uplc)).toBuffer().buffer;
}
