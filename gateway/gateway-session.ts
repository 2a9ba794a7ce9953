/**
 * The pipeline session of a request: the `user` field or an x-session-id
 * header keeps a conversation on one session (history, KV affinity), scoped
 * to the tenant so two tenants never share one; without either, the request
 * is a session of its own.
 */
export const SESSION_HEADER = 'x-session-id';

export function sessionIdFor(tenant: string, conversation: string | undefined, requestId: string): string {
  if (conversation === undefined || conversation.length === 0) return `gw-${requestId}`;
  return tenant === '' ? conversation : `${tenant}/${conversation}`;
}
