/**
 * The one rule for echoing client input in a response (or a log line): at most ECHO_LIMIT
 * characters of it, then an ellipsis. A hostile client must not get its 2 kB path, 16 kB query
 * or 1 MB field name mirrored back (reflection, log flooding, response amplification).
 */

/** Longest run of client input any response repeats. */
export const ECHO_LIMIT = 64;

/** A piece of client input, cut to ECHO_LIMIT characters (plus `…` when cut). */
export function clipInput(input: string): string {
  return input.length > ECHO_LIMIT ? `${input.slice(0, ECHO_LIMIT)}…` : input;
}

/** Longest message text a response carries, whatever it is made of. */
const MESSAGE_LIMIT = 512;

const LONG_RUN = new RegExp(`\\S{${ECHO_LIMIT + 1},}`, 'g');

/**
 * A human message that may quote input: every whitespace-free run longer than ECHO_LIMIT is
 * clipped, and the whole is bounded. Our own words are short, so only quoted input is affected.
 */
export function boundMessage(message: string): string {
  const clipped = message.replace(LONG_RUN, (run) => clipInput(run));
  return clipped.length > MESSAGE_LIMIT ? `${clipped.slice(0, MESSAGE_LIMIT)}…` : clipped;
}
