import type { FastifyInstance } from 'fastify';
import { WaveError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The error code for a body that is not UTF-8 (default invalid_request): POST /api/runs
     * says invalid_input, since the text in it is the run's input (API.md).
     */
    invalidTextCode?: string;
  }
}

/** JSON is UTF-8 (RFC 8259): bytes that are not are refused, not silently replaced. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The only body parser: JSON (415 for any other type). An empty JSON body counts as none
 * (POST .../cancel). A body with a Content-Encoding (gzip, br…) is 415 too: it is never
 * decompressed, so it could only fail later as malformed JSON or bypass the body limit's meaning.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json\s*(;.*)?$/i,
    { parseAs: 'buffer' },
    (request, body, done) => {
      const encoding = request.headers['content-encoding'];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
        done(
          new WaveError(
            'unsupported_media_type',
            `bodies with Content-Encoding "${encoding}" are not accepted: send plain (identity) JSON`,
            { content_encoding: encoding },
          ),
          undefined,
        );
        return;
      }
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        const code = request.routeOptions.config?.invalidTextCode ?? 'invalid_request';
        done(new WaveError(code, 'the body is not valid UTF-8 text (JSON must be)'), undefined);
        return;
      }
      // Webhook signatures are computed over the body exactly as received (a BOM included).
      request.rawBody = text;
      const trimmed = text.trim();
      if (trimmed === '') return done(null, undefined);
      try {
        done(null, JSON.parse(trimmed));
      } catch (err) {
        done(new WaveError('invalid_request', `malformed JSON: ${(err as Error).message}`), undefined);
      }
    },
  );
}
