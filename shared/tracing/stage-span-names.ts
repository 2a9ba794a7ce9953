/** The span each stage opens per record. Inference's span is `infer`; the others are named after their stage. */
export const STAGE_SPAN_NAME: Readonly<Record<string, string>> = {
  rag: 'rag',
  assemble: 'assemble',
  inference: 'infer',
  post: 'post',
  stream: 'stream',
};

export function spanNameOf(stage: string): string {
  return STAGE_SPAN_NAME[stage] ?? stage;
}
