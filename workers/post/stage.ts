/** post: stop sequences, redaction (worker-thread pool) and length limits. TokenChunk → TokenChunk. */
import { defineStage } from '../../shared/runtime/stage-definition.ts';
import { PostHandler } from './handler.ts';
import { postOptionsSchema } from './options.ts';

export default defineStage({
  name: 'post',
  input: 'tokenChunk',
  output: 'tokenChunk',
  options: postOptionsSchema,
  async build({ options }) {
    const handler = new PostHandler(options);
    return { handler, close: () => handler.close() };
  },
});
