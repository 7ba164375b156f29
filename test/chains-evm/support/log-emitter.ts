/**
 * A helper contract for tests and the log-scan benchmark: it emits logs with exactly the
 * monitor's event signatures but is NOT the escrow factory and creates no escrows.
 *
 * - As an impostor (tests): its look-alike EscrowWithdrawal / SrcEscrowCreated logs must be ignored.
 * - As a log source (bench): configured as the monitor's `factory`, its SrcEscrowCreated logs go
 *   through the monitor's real fetch → filter → decode → store path, thousands per transaction.
 *
 * Compiled here with solc-js (offline, ~1 s).
 */
import { createRequire } from 'node:module';
import type { Abi, Hex } from 'viem';

const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

contract LogEmitter {
    struct Immutables { bytes32 orderHash; bytes32 hashlock; address maker; address taker; address token;
                        uint256 amount; uint256 safetyDeposit; uint256 timelocks; }
    struct DstComplement { string chain; string receiver; string asset; uint256 amount; uint256 safetyDeposit; }

    event SrcEscrowCreated(bytes32 indexed orderHash, address indexed escrow, address indexed taker, Immutables immutables, DstComplement dst);
    event EscrowWithdrawal(bytes32 secret, address indexed to, bool isPublic);
    event EscrowCancelled(address indexed to, bool isPublic);

    function emitSrcCreated(uint256 count, uint256 seed, uint256 timelocks) external {
        for (uint256 i = 0; i < count; i++) {
            bytes32 h = keccak256(abi.encode(seed, i));
            emit SrcEscrowCreated(
                h, address(uint160(uint256(h))), msg.sender,
                Immutables(h, keccak256(abi.encode(h)), msg.sender, msg.sender, address(0), 1e18 + i, 1e16, timelocks),
                DstComplement("cardano:devnet", "addr_test1vqmonitorbenchreceiver", "lovelace", 2e6 + i, 1e6));
        }
    }

    function emitWithdrawal(bytes32 secret, address to) external {
        emit EscrowWithdrawal(secret, to, false);
    }

    function emitCancelled(address to) external {
        emit EscrowCancelled(to, true);
    }
}
`;

export interface CompiledContract {
  abi: Abi;
  bytecode: Hex;
}

let cached: CompiledContract | null = null;

export function compileLogEmitter(): CompiledContract {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const solc = require('solc') as { compile(input: string): string };
  const input = {
    language: 'Solidity',
    sources: { 'LogEmitter.sol': { content: SOURCE } },
    settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const c = out.contracts['LogEmitter.sol']!['LogEmitter']!;
  cached = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  return cached;
}
