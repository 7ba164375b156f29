/**
 * The Cardano order script (ADA→ETH source side), Plutus V3, in plu-ts: the maker's funds locked
 * with the order as the inline datum. A resolver fills it by spending it into exactly one source
 * escrow whose datum is derived from the order; the maker cancels it; after expiry anyone returns
 * it to the maker. Layout and rules: README.md next to this file ("Order script").
 *
 * Times in the order datum are unix SECONDS (as every order, architecture §4); validity bounds are
 * POSIX ms. The auction is priced at second `lower div 1000` with the integer curve of
 * src/domain/auction.ts; escrow deadlines are `lower + 1000 * offset` ms; the order can be filled
 * while every instant of the transaction lies in a second <= expiry (as the EVM factory's
 * `block.timestamp <= expiry`), i.e. `upper <= 1000 * (expiry + 1)`, and returned from
 * `lower >= 1000 * (expiry + 1)`.
 *
 * Same compiler pitfalls as validator.ts: debug settings, `pif` dispatch on the redeemer index,
 * and the Fill / Return rules live in their own lambdas so nothing they let-bind (the escrow
 * output, the validity bounds) is evaluated for another action: a Cancel needs no bounds and no
 * escrow output.
 */
import {
  bs,
  data,
  int,
  list,
  pByteString,
  punIData,
  pfn,
  plet,
  pmatch,
  precursive,
  pfoldl,
  pfilter,
  ptraceError,
  pblake2b_256,
  pserialiseData,
  pdelay,
  PAddress,
  PMaybe,
  PPubKeyHash,
  PScriptContext,
  PTxInfo,
  PTxOut,
  PTxOutRef,
  passert,
  perror,
  peqData,
  pConstrToData,
  pIntToData,
  pData,
  pList,
  pif,
  bool,
  phead,
  pStr,
  pstruct,
  ptraceIfFalse,
  punsafeConvertType,
  unit,
  lam,
  compileIRToUPLC,
  UPLCEncoder,
  UPLCProgram,
  UPLCVersion,
  DataB,
  DataConstr,
  type Term,
  type TermBool,
} from '@harmoniclabs/plu-ts';
import { EscrowAsset, EscrowDatum } from './validator.js';

/** Widest validity interval of a Fill, ms: bounds how far the escrow deadlines can be skewed. */
export const MAX_FILL_VALIDITY_MS = 180_000;

export const AuctionPoint = pstruct({ AuctionPoint: { offset: int, amount: int } });

export const OrderAuction = pstruct({
  OrderAuction: { startTime: int, duration: int, startAmount: int, endAmount: int, points: list(AuctionPoint.type) },
});

export const OrderTimelocks = pstruct({
  OrderTimelocks: {
    srcWithdrawal: int,
    srcPublicWithdrawal: int,
    srcCancellation: int,
    srcPublicCancellation: int,
    dstWithdrawal: int,
    dstPublicWithdrawal: int,
    dstCancellation: int,
  },
});

export const OrderDatum = pstruct({
  OrderDatum: {
    version: int,
    maker: PPubKeyHash.type,
    makerAddress: PAddress.type,
    receiver: bs,
    makerAsset: EscrowAsset.type,
    makingAmount: int,
    takerAsset: bs,
    auction: OrderAuction.type,
    hashlock: bs,
    timelocks: OrderTimelocks.type,
    srcSafetyDeposit: int,
    dstSafetyDeposit: int,
    nonce: int,
    salt: int,
    expiry: int,
    dstChainId: int,
  },
});

export const OrderRedeemer = pstruct({
  Fill: { takingAmount: int },
  Cancel: {},
  Return: {},
});

/** ptraceIfFalse wants its message delayed. */
function check(message: string, condition: Term<any>): TermBool {
  return ptraceIfFalse.$(pdelay(pStr(message))).$(condition) as TermBool;
}

/**
 * The auction price at unix second `t`: src/domain/auction.ts `auctionAmount`, step for step.
 * Curve vertices (0, startAmount), points…, (duration, endAmount); on the segment (o1,a1)-(o2,a2)
 * with o1 <= e < o2: a2 + ceil((a1 - a2) * (o2 - e) / (o2 - o1)), never below endAmount; no
 * segment matching (only for an invalid curve) gives endAmount.
 */
export const pauctionAmount = pfn(
  [OrderAuction.type, int],
  int,
)((au, t) => {
  const e = plet(t.sub(au.startTime));
  const endAmount = plet(au.endAmount);
  const duration = plet(au.duration);
  // The vertices after (0, startAmount): points ++ [(duration, endAmount)], built so the
  // recursion below only ever takes the head of a non-empty list (let-bound terms may be
  // evaluated eagerly, see the file comment).
  const vertices = plet(
    pfoldl(AuctionPoint.type, list(AuctionPoint.type))
      .$((acc: any, p: any) => acc.prepend(p))
      .$(pList(AuctionPoint.type)([punsafeConvertType(pConstrToData.$(0).$(pList(data)([pIntToData.$(duration), pIntToData.$(endAmount)])), AuctionPoint.type) as any]))
      .$(au.points.reversed),
  );
  // (o1, a1, vertices from (o2, a2) on) → amount
  const segments = precursive(
    pfn(
      [lam(int, lam(int, lam(list(AuctionPoint.type), int))), int, int, list(AuctionPoint.type)],
      int,
    )((self, o1, a1, verts) => {
      const v = plet(verts.head);
      const rest = plet(verts.tail);
      const o2 = plet(v.offset);
      const a2 = plet(v.amount);
      const n = plet(a1.sub(a2).mult(o2.sub(e)));
      const span = plet(o2.sub(o1));
      // ceil(n / span) for span > 0: floor division of n + span - 1 when n > 0, else truncation toward 0.
      const up = plet(pif(int).$(n.gt(0)).then(n.add(span).sub(1).div(span)).else(n.quot(span)));
      const amount = plet(a2.add(up));
      return pif(int)
        .$(o1.ltEq(e).and(e.lt(o2)))
        .then(pif(int).$(amount.lt(endAmount)).then(endAmount).else(amount))
        .else(pif(int).$(rest.length.eq(0)).then(endAmount).else((self as any).$(o2).$(a2).$(rest)));
    }),
  );
  return pif(int)
    .$(t.ltEq(au.startTime))
    .then(au.startAmount)
    .else(pif(int).$(t.gtEq(au.startTime.add(duration))).then(endAmount).else(segments.$(0).$(au.startAmount).$(vertices)));
});

/** The last element of a list, or `fallback` when it is empty (total, unlike `head`). */
const plastOr = (t: any, l: any, fallback: any): any => pfoldl(t, t).$((_acc: any, x: any) => x).$(fallback).$(l);

/** The finite lower / upper bound of the validity interval, else the script fails. */
const finiteLower = (tx: any): any =>
  (pmatch(tx.interval.from.bound) as any).onPFinite(({ n }: any) => n)._((_: any) => ptraceError(int).$(pStr('no lower bound')));
const finiteUpper = (tx: any): any =>
  (pmatch(tx.interval.to.bound) as any).onPFinite(({ n }: any) => n)._((_: any) => ptraceError(int).$(pStr('no upper bound')));

/**
 * Builds the validator for the escrow script `escrowHash` (28 bytes hex): a Fill must create
 * an escrow at its enterprise address.
 */
export function makeOrderValidator(escrowHash: string) {
  const escrowCredential = new DataConstr(1, [new DataB(escrowHash)]);
  const escrowAddress = new DataConstr(0, [escrowCredential, new DataConstr(1, [])]);

  /** Fill: (tx, order datum as data, order, own out-ref, takingAmount) → ok. */
  const fill = pfn(
    [PTxInfo.type, data, OrderDatum.type, PTxOutRef.type, int],
    bool,
  )((tx, orderData, o, ownRef, takingAmount) => {
    const lower = plet(finiteLower(tx));
    const upper = plet(finiteUpper(tx));
    const escrowOutputs = plet(
      tx.outputs.filter((out: any) => peqData.$(punsafeConvertType(out.address.credential, data)).$(pData(escrowCredential))),
    );
    // Total: with no escrow output it is the first input's output (and the count check fails).
    const escrowOut = plet(
      pif(PTxOut.type).$(escrowOutputs.length.eq(1)).then(escrowOutputs.head).else(ptraceError(PTxOut.type).$(pStr('not exactly one escrow output'))),
    );
    // Payment credentials of the inputs, as data; the own one is found by the own out-ref.
    // (Partial application instead of lambdas that capture let-bound terms.)
    const ownCredential = plet(
      punsafeConvertType(
        tx.inputs.filter((i: any) => peqData.$(punsafeConvertType(i.utxoRef, data)).$(punsafeConvertType(ownRef, data))).head
          .resolved.address.credential,
        data,
      ),
    );
    const orderInputs = plet(
      tx.inputs.filter((i: any) => peqData.$(punsafeConvertType(i.resolved.address.credential, data)).$(ownCredential)),
    );
    // POutputDatum: InlineDatum = Constr 2 [datum].
    const outDatum = plet(punsafeConvertType(escrowOut.datum, data));
    // Total: a datum-less output reads the order's own datum instead, and a datum hash its bytes:
    // neither decodes as an escrow datum (the first field comparison fails the script).
    const e = plet(
      punsafeConvertType(plastOr(data, (punsafeConvertType(outDatum, EscrowDatumOut.type) as any).raw.fields, orderData), EscrowDatum.type),
    );
    const tl = plet(o.timelocks);
    const asset = plet(o.makerAsset);
    const deposit = plet(o.srcSafetyDeposit);
    const isLovelace = plet(asset.policyId.length.eq(0));
    const value = plet(escrowOut.value as any);
    const at = (offset: Term<any>) => lower.add((offset as any).mult(1000));
    const expiredAt = plet(o.expiry.add(1).mult(1000));

    return check('more than one order input', orderInputs.length.eq(1))
      .and(check('escrow address', peqData.$(punsafeConvertType(escrowOut.address, data)).$(pData(escrowAddress))))
      .and(check('escrow reference script', (punsafeConvertType(escrowOut.refScrpt, PMaybe(data).type) as any).raw.index.eq(1)))
      .and(check('escrow datum shape', (e as any).raw.fields.length.eq(13)))
      .and(check('order hash', e.orderHash.eq(pblake2b_256.$(pserialiseData.$(orderData)))))
      .and(check('hashlock', e.hashlock.eq(o.hashlock)))
      .and(check('maker', e.maker.eq(o.maker)))
      .and(check('taker did not sign', tx.signatories.some((s: any) => s.eq(e.taker))))
      .and(check('cancelTo', peqData.$(punsafeConvertType(e.cancelTo, data)).$(punsafeConvertType(o.makerAddress, data))))
      .and(check('asset', peqData.$(punsafeConvertType(e.asset, data)).$(punsafeConvertType(asset, data))))
      .and(check('amount', e.amount.eq(o.makingAmount)))
      .and(check('safety deposit', e.safetyDeposit.eq(deposit)))
      .and(check('withdrawalAt', e.withdrawalAt.eq(at(tl.srcWithdrawal))))
      .and(check('publicWithdrawalAt', e.publicWithdrawalAt.eq(at(tl.srcPublicWithdrawal))))
      .and(check('cancellationAt', e.cancellationAt.eq(at(tl.srcCancellation))))
      .and(
        check(
          'publicCancellationAt',
          peqData
            .$(punsafeConvertType(e.publicCancellationAt, data))
            .$(pConstrToData.$(0).$(pList(data)([pIntToData.$(at(tl.srcPublicCancellation))]))),
        ),
      )
      .and(check('escrow value: asset', value.amountOf(asset.policyId, asset.assetName).gtEq(o.makingAmount)))
      .and(
        check(
          'escrow value: deposit',
          value.amountOf(pByteString(''), pByteString('')).gtEq(pif(int).$(isLovelace).then(o.makingAmount.add(deposit)).else(deposit)),
        ),
      )
      .and(check('validity too wide', upper.sub(lower).ltEq(MAX_FILL_VALIDITY_MS)))
      .and(check('order expired', upper.ltEq(expiredAt)))
      .and(check('below the auction price', takingAmount.gtEq(pauctionAmount.$(o.auction).$(lower.div(1000)))));
  });

  /** Return after expiry (anyone): the making amount to the maker's address, tagged with the order's out-ref. */
  const giveBack = pfn(
    [PTxInfo.type, OrderDatum.type, PTxOutRef.type],
    bool,
  )((tx, o, ownRef) => {
    const lower = plet(finiteLower(tx));
    const tag = plet(pConstrToData.$(2).$(pList(data)([punsafeConvertType(ownRef, data)])));
    const asset = plet(o.makerAsset);
    return check('not expired', lower.gtEq(o.expiry.add(1).mult(1000))).and(
      check(
        'maker not paid',
        tx.outputs.some((out: any) =>
          out.address
            .eq(o.makerAddress)
            .and(peqData.$(punsafeConvertType(out.datum, data)).$(tag))
            .and(out.value.amountOf(asset.policyId, asset.assetName).gtEq(o.makingAmount)),
        ),
      ),
    );
  });

  return pfn(
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
    const orderData = plet(maybeDatum.unwrap);
    const o = plet(punsafeConvertType(orderData, OrderDatum.type));
    const red = plet(punsafeConvertType(redeemer, OrderRedeemer.type));
    const action = plet(red.raw.index);

    const cancelCase = check('maker did not sign', tx.signatories.some((s: any) => s.eq(o.maker)));
    return passert.$(
      pif(bool)
        .$(action.eq(0))
        .then(
          fill
            .$(tx)
            .$(orderData)
            .$(o)
            .$(ownRef)
            .$(punIData.$(phead(data).$(red.raw.fields))),
        )
        .else(
          pif(bool)
            .$(action.eq(1))
            .then(cancelCase)
            .else(check('unknown redeemer', action.eq(2)).and(giveBack.$(tx).$(o).$(ownRef))),
        ),
    );
  });
}

/** POutputDatum viewed as a raw constructor (index 2 = InlineDatum [datum]). */
const EscrowDatumOut = pstruct({ NoDatum: {}, DatumHash: { hash: bs }, InlineDatum: { datum: data } });

/** Flat UPLC of the order validator for `escrowHash` (same debug settings as the escrow, see validator.ts). */
export function compileOrder(escrowHash: string): Uint8Array {
  const options = {
    targetUplcVersion: new UPLCVersion(1, 1, 0),
    removeTraces: false,
    delayHoists: false,
    addMarker: false,
    uplcOptimizations: { groupApplications: false, inlineSingleUse: false, simplifyWrappedPartialFuncApps: false, removeForceDelay: false },
  };
  const uplc = compileIRToUPLC(makeOrderValidator(escrowHash).toIR(options, 0), options);
  return UPLCEncoder.compile(new UPLCProgram(new UPLCVersion(1, 1, 0), uplc)).toBuffer().buffer;
}

