/** rag: the configured retriever behind the rag handler. PromptRequest → RetrievalResult. */
import { defineStage } from '../../shared/runtime/stage-definition.ts';
import { createRetriever } from './create-retriever.ts';
import { RagHandler } from './handler.ts';
import { ragOptionsSchema } from './options.ts';

export default defineStage({
  name: 'rag',
  input: 'promptRequest',
  output: 'retrievalResult',
  options: ragOptionsSchema,
  async build({ options, env }) {
    const retriever = await createRetriever(options.retriever, env);
    return { handler: new RagHandler({ retriever, options }), close: async () => undefined };
  },
});
