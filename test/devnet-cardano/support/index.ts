/** Helpers shared by the devnet and Cardano monitor tests. */
import { createInteractionContext, type InteractionContext } from '@cardano-ogmios/client';

/** A stock Ogmios client connection that also records every raw reply it receives. */
export async function recordingContext(endpoint: { host: string; port: number }): Promise<{
  context: InteractionContext;
  replies: Record<string, unknown>[];
  close: () => Promise<void>;
}> {
  const context = await createInteractionContext(
    () => undefined,
    () => undefined,
    { connection: { host: endpoint.host, port: endpoint.port } },
  );
  const replies: Record<string, unknown>[] = [];
  context.socket.on('message', (data: unknown) => {
    replies.push(JSON.parse(String(data)) as Record<string, unknown>);
  });
  const close = async () => {
    const s = context.socket;
    if (s.readyState === s.CLOSED) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.close();
    });
  };
  return { context, replies, close };
}

/** Waits until `check` returns a value (polling); the test's own timeout bounds it. */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, everyMs = 20): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
