import { z } from 'zod';
import type { WebhookProvider } from '../../config/manifest-schema.js';
import { WaveError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { errorResponses, JSON_BODY, json } from '../openapi/responses.js';
import type { App } from '../types.js';
import { matchingTriggers, type Provider, renderTriggerInput, senderOf } from '../webhooks/triggers.js';
import { verifyGithubSignature, verifyGitlabToken } from '../webhooks/verify.js';

const WebhookResponse = z.object({ runs: z.array(z.string()), duplicate: z.boolean().optional() });

const HEADERS: Record<Provider, { event: string; delivery: string }> = {
  github: { event: 'x-github-event', delivery: 'x-github-delivery' },
  gitlab: { event: 'x-gitlab-event', delivery: 'x-gitlab-event-uuid' },
};

/** How each provider is named and verified, for the OpenAPI document. */
const DOCS: Record<Provider, { name: string; secret: string }> = {
  github: { name: 'GitHub', secret: '`X-Hub-Signature-256` (HMAC-SHA256 of the raw body)' },
  gitlab: { name: 'GitLab', secret: '`X-Gitlab-Token`' },
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received (webhook signatures are computed over it). */
    rawBody?: string;
  }
}

export function registerWebhookRoutes(app: App, ctx: ServerContext): void {
  for (const provider of ['github', 'gitlab'] as const) {
    app.post(
      `/api/webhooks/${provider}`,
      {
        config: { scope: 'none', rateLimited: true },
        schema: {
          operationId: `receive${DOCS[provider].name}Webhook`,
          summary: `Receive a ${DOCS[provider].name} delivery`,
          description: `Verified with ${DOCS[provider].secret}; each matching trigger creates a run.`,
          tags: ['webhooks'],
          security: [],
          response: {
            200: json(WebhookResponse, 'Nothing created: no trigger matched, or a delivery already seen'),
            202: json(WebhookResponse, 'The runs created, queued'),
            ...errorResponses([...JSON_BODY, 401, 403, 404, 409, 429, 503], {
              401: `A missing or wrong ${DOCS[provider].secret} (\`unauthorized\`).`,
              404:
                'No webhook configured for this provider (`webhook_not_configured`), or a trigger names an ' +
                'unknown pipeline (`pipeline_not_found`).',
            }),
          },
        },
      },
      async (request, reply) => {
        const settings: WebhookProvider | undefined = ctx.config.server.webhooks[provider];
        if (!settings)
          throw new WaveError(
            'webhook_not_configured',
            `no ${provider} webhook is configured (server.webhooks.${provider})`,
          );
        const raw = request.rawBody ?? '';
        const header = (name: string) => {
          const v = request.headers[name];
          return Array.isArray(v) ? v[0] : v;
        };
        const verified =
          provider === 'github'
            ? verifyGithubSignature(settings.secret, raw, header('x-hub-signature-256'))
            : verifyGitlabToken(settings.secret, header('x-gitlab-token'));
        if (!verified) {
          throw new WaveError(
            'unauthorized',
            provider === 'github'
              ? 'missing or wrong X-Hub-Signature-256 for this webhook secret'
              : 'missing or wrong X-Gitlab-Token',
          );
        }
        const event = header(HEADERS[provider].event);
        if (!event)
          throw new WaveError('invalid_request', `the ${HEADERS[provider].event} header is missing`);
        const payload = request.body;
        if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
          throw new WaveError('invalid_request', 'the webhook body must be a JSON object');
        }
        const delivery = header(HEADERS[provider].delivery);
        const triggers = matchingTriggers(
          provider,
          settings.triggers,
          event,
          payload as Record<string, unknown>,
        );
        const sender = senderOf(provider, payload as Record<string, unknown>);
        const result = await ctx.runs.triggerWebhook({
          provider,
          event,
          delivery,
          sender,
          runs: triggers.map((t) => {
            const input =
              t.input === undefined ? null : renderTriggerInput(t.input, payload as Record<string, unknown>);
            return {
              pipeline: t.pipeline,
              input: input === '' ? null : input,
              labels: { ...(t.labels ?? {}), webhook: provider, webhook_event: event },
            };
          }),
        });
        if (result.duplicate) return reply.code(200).send({ runs: [], duplicate: true });
        if (result.runs.length === 0) return reply.code(200).send({ runs: [] });
        const ids = result.runs;
        request.log.info({ provider, event, delivery, runs: ids }, 'webhook accepted');
        return reply.code(202).send({ runs: ids });
      },
    );
  }
}
