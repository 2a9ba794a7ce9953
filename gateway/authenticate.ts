/**
 * Bearer-key authentication: the key in `Authorization: Bearer <key>` names
 * the tenant. Without a key table every request is tenant "".
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyTable } from './api-keys.ts';
import { GatewayHttpError } from './openai-error.ts';

export function authenticate(headers: IncomingHttpHeaders, keys: ApiKeyTable | undefined): string {
  if (!keys) return '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (!match?.[1]) {
    throw new GatewayHttpError(
      401,
      "You didn't provide an API key. Provide it in the Authorization header: Authorization: Bearer YOUR_KEY",
      { type: 'invalid_request_error', code: 'missing_api_key' },
    );
  }
  const tenant = keys.tenantOf(match[1]);
  if (tenant === undefined) {
    // Never echo the key: it may be someone's real secret sent to the wrong place.
    throw new GatewayHttpError(401, 'Incorrect API key provided.', {
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
  }
  return tenant;
}
