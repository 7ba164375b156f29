/**
 * Intake check for EVM-source orders (architecture §4): can the factory actually pull the maker's
 * `makingAmount` when a resolver fills? For an ERC-20 the maker needs the balance and an
 * allowance to the factory; for native ETH (the zero address) the maker needs that much
 * deposited in the factory (`nativeBalance(maker)`), since a signature cannot pull ETH.
 */
import { getAddress, isAddress, zeroAddress, type Address, type PublicClient } from 'viem';
import type { Order } from '../../domain/order.js';
import type { MakerFundsCheck } from '../../orders/ports.js';
import { erc20ReadAbi, factoryNativeBalanceAbi } from './abi.js';

export interface MakerFundsQuery {
  token: string;
  maker: string;
  /** The escrow factory: it pulls the funds, so it is the spender the allowance must name. */
  spender: string;
  amount: bigint;
}

export type MakerFundsResult =
  | { ok: true }
  | { ok: false; code: 'INSUFFICIENT_BALANCE' | 'INSUFFICIENT_ALLOWANCE'; have: bigint; need: bigint };

/** Minimal read access; a viem PublicClient satisfies it. */
export type ContractReader = Pick<PublicClient, 'readContract'>;

export class MakerFundsInputError extends Error {
  readonly code = 'INVALID_MAKER_FUNDS_QUERY';
}

export async function checkMakerFunds(client: ContractReader, q: MakerFundsQuery): Promise<MakerFundsResult> {
  for (const [name, v] of [['token', q.token], ['maker', q.maker], ['spender', q.spender]] as const) {
    if (!isAddress(v, { strict: false })) throw new MakerFundsInputError(`${name} is not an EVM address`);
  }
  if (q.amount <= 0n) throw new MakerFundsInputError('amount must be positive');
  const token = getAddress(q.token);
  const maker = getAddress(q.maker);
  const spender = getAddress(q.spender);

  if (token === zeroAddress) {
    const deposited = await client.readContract({
      address: spender,
      abi: factoryNativeBalanceAbi,
      functionName: 'nativeBalance',
      args: [maker],
    });
    return deposited >= q.amount ? { ok: true } : { ok: false, code: 'INSUFFICIENT_BALANCE', have: deposited, need: q.amount };
  }

  const [balance, allowance] = await Promise.all([
    client.readContract({ address: token, abi: erc20ReadAbi, functionName: 'balanceOf', args: [maker] }),
    client.readContract({ address: token, abi: erc20ReadAbi, functionName: 'allowance', args: [maker, spender as Address] }),
  ]);
  if (balance < q.amount) return { ok: false, code: 'INSUFFICIENT_BALANCE', have: balance, need: q.amount };
  if (allowance < q.amount) return { ok: false, code: 'INSUFFICIENT_ALLOWANCE', have: allowance, need: q.amount };
  return { ok: true };
}

/**
 * The intake port (orders' MakerFundsCheck) on this check: the order's maker, token and amount
 * against the factory that will pull them, with a message a maker can act on.
 */
export function makerFundsCheck(client: ContractReader, factory: string): MakerFundsCheck {
  return {
    async check(order: Order) {
      const result = await checkMakerFunds(client, {
        token: order.makerAsset,
        maker: order.maker,
        spender: factory,
        amount: order.makingAmount,
      });
      if (result.ok) return { ok: true };
      const what = result.code === 'INSUFFICIENT_ALLOWANCE' ? 'allowance to the escrow factory' : 'balance';
      return { ok: false, code: result.code, message: `maker ${what} is ${result.have}, the order needs ${result.need}` };
    },
  };
}
