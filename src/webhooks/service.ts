/**
 * Registering, listing and deleting webhooks for an API key (the owner). The signing secret is
 * returned once, at registration. The URL is checked for SSRF here (what it says and what its
 * name resolves to) and again at every delivery (src/webhooks/url-guard.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { RelayerError } from '../orders/errors.js';
import type { StoredDelivery, StoredWebhook, WebhookStore } from './ports.js';
import { newSigningSecret } from './signature.js';
import { WebhookUrlError, parseWebhookUrl, resolveTarget } from './url-guard.js';

export const MAX_WEBHOOKS_PER_KEY = 20;

/** The owner of a webhook: a digest of the API key (the key itself is never stored). */
export function ownerOf(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export class WebhookService {
  constructor(
    private readonly repo: WebhookStore,
    private readonly settings: { allowPrivateTargets: boolean },
  ) {}

  async register(owner: string, input: { url: string; events: string[]; maker?: string }): Promise<StoredWebhook & { secret: string }> {
    let url: URL;
    try {
      url = parseWebhookUrl(input.url, this.settings.allowPrivateTargets);
      await resolveTarget(url, this.settings.allowPrivateTargets);
    } catch (err) {
      if (err instanceof WebhookUrlError) throw new RelayerError(err.code, `url: ${err.message}`);
      throw err;
    }
    if ((await this.repo.countOf(owner)) >= MAX_WEBHOOKS_PER_KEY) {
      throw new RelayerError('WEBHOOK_LIMIT_REACHED', `at most ${MAX_WEBHOOKS_PER_KEY} webhooks per API key`);
    }
    const secret = newSigningSecret();
    const stored = await this.repo.create({
      id: randomUUID(),
      owner,
      url: url.toString(),
      events: [...new Set(input.events)],
      maker: input.maker?.toLowerCase() ?? null,
      secret,
    });
    return { ...stored, secret };
  }

  list(owner: string): Promise<StoredWebhook[]> {
    return this.repo.list(owner);
  }

  async delete(owner: string, id: string): Promise<void> {
    if (!(await this.repo.delete(id, owner))) throw notFound();
  }

  async deliveries(owner: string, id: string, limit: number): Promise<StoredDelivery[]> {
    // Someone else's webhook is "not found": its existence is not the caller's business.
    if (!(await this.repo.exists(id, owner))) throw notFound();
    return this.repo.deliveries(id, limit);
  }
}

const notFound = () => new RelayerError('WEBHOOK_NOT_FOUND', 'no webhook with this id for this API key');
