/**
 * Crash points: named places right after a commit where the crash test (test/e2e/crash.test.ts)
 * can kill the relayer, reproducibly, by event instead of after a sleep.
 *
 * `CRASH_AT=<point>:<n>` (e.g. `CRASH_AT=transition:escrowed:1`, `CRASH_AT=chain:commit:31337:3`) makes the process kill itself
 * with SIGKILL the n-th time it reaches `<point>`. Just before, it writes one line
 * `CRASH_MARKER <point> <n>` to stderr, synchronously, so the test can tell a kill that landed
 * on its point from a process that died for any other reason. Unset (production), `crashPoint`
 * returns at once after one comparison of a module-level constant.
 *
 * The points (each one sits right after the commit or publish it names):
 *
 * | point                 | reached when                                                             |
 * |-----------------------|--------------------------------------------------------------------------|
 * | `order:intake`        | a new order and its `created` timeline row committed (before the answer) |
 * | `transition:<status>` | an order transition into `<status>` committed with its timeline row      |
 * |                       | (API or coordinator, before it is announced)                             |
 * | `secret:stored`       | the maker's secret committed with `secret_revealed` and the status       |
 * |                       | change announced, before the secret itself is shared with resolvers      |
 * | `bus:<topic>`         | a message was published on `<topic>` (`orders`, `secrets`, `chain`, …)   |
 * | `chain:commit:<chain>`| the chain follower of `<chain>` (`31337`, `cardano:devnet`, …) committed |
 * |                       | a batch of blocks with its cursor, before publishing its updates         |
 * | `settlement:cursor`   | the settlement coordinator saved its change-sequence cursor              |
 */
import { writeSync } from 'node:fs';

export interface CrashTarget {
  point: string;
  n: number;
}

/** Parses `<point>:<n>`; the point itself may contain colons. Null when unset or malformed. */
export function parseCrashAt(value: string | undefined): CrashTarget | null {
  if (!value) return null;
  const i = value.lastIndexOf(':');
  const point = value.slice(0, i);
  const n = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(n) || n < 1) {
    // A typo would silently turn the crash test into a run without crashes: say so at start.
    writeSync(2, `CRASH_AT=${value} is not <point>:<n> (n ≥ 1); crash points stay off\n`);
    return null;
  }
  return { point, n };
}

const TARGET: CrashTarget | null = parseCrashAt(process.env.CRASH_AT);
let reached = 0;

/** Marks a crash point; kills the process here when `CRASH_AT` names this point and count. */
export function crashPoint(name: string): void {
  if (TARGET === null || name !== TARGET.point) return;
  reached += 1;
  if (reached !== TARGET.n) return;
  writeSync(2, `CRASH_MARKER ${name} ${reached}\n`);
  process.kill(process.pid, 'SIGKILL');
}
