/** How the CLI shows client events: tokens inline as they stream, terminal events on their own line. */
import type { ClientEvent } from '../shared/messages/types.ts';

export function printEvent(event: ClientEvent, out: NodeJS.WritableStream = process.stdout): void {
  if (event.type === 'token') {
    out.write(event.text);
    return;
  }
  if (event.type === 'done') {
    const usage = event.usage
      ? ` (${event.usage.promptTokens} prompt + ${event.usage.completionTokens} completion tokens, ${event.usage.cachedTokens} cached)`
      : '';
    out.write(`\n[done${usage}${event.e2eMs === null ? '' : `, ${Math.round(event.e2eMs)} ms`}]\n`);
    return;
  }
  out.write(
    `\n[${event.type}${event.errorCode ? ` ${event.errorCode}` : ''}${event.errorMessage ? `: ${event.errorMessage}` : ''}]\n`,
  );
}
