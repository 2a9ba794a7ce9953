/**
 * How a model server turns chat messages into the text it tokenizes (its
 * chat template). The assemble stage renders the prompt with the configured
 * template, so the flattened `prompt` (completion endpoints) is exactly what
 * the server gets, and the prefix block hashes routing uses describe that
 * text, generation cue included — not some other rendering of the messages.
 *
 * Each template renders a conversation as begin + turn(m1) + turn(m2) + … +
 * cue, where the cue (the generation prompt) is where the answer starts: a
 * turn's rendering never depends on what follows it, so a conversation that
 * grows by whole turns renders as a text that extends the previous one.
 */
import type { ChatMessage } from '../../shared/messages/types.ts';

export const CHAT_TEMPLATE_NAMES = ['markdown', 'chatml', 'llama3', 'simulator'] as const;
export type ChatTemplateName = (typeof CHAT_TEMPLATE_NAMES)[number];

export interface ChatTemplate {
  readonly name: ChatTemplateName;
  /** Text before the first turn (a BOS marker). */
  readonly begin: string;
  /** One turn as the server renders it. */
  turn(message: ChatMessage): string;
  /** The generation prompt after the last turn. */
  readonly cue: string;
}

const HEADINGS: Readonly<Record<ChatMessage['role'], string>> = {
  system: 'System',
  user: 'User',
  assistant: 'Assistant',
  tool: 'Tool',
};

const TEMPLATES: Readonly<Record<ChatTemplateName, ChatTemplate>> = {
  /** The project's plain-text layout for completion endpoints without a template of their own. */
  markdown: {
    name: 'markdown',
    begin: '',
    turn: (m) => `### ${HEADINGS[m.role]}\n${m.content}\n\n`,
    cue: '### Assistant\n',
  },
  /** ChatML: Qwen, SmolLM2 (the local model), many instruct models. */
  chatml: {
    name: 'chatml',
    begin: '',
    turn: (m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`,
    cue: '<|im_start|>assistant\n',
  },
  /** Llama 3 instruct. */
  llama3: {
    name: 'llama3',
    begin: '<|begin_of_text|>',
    turn: (m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content}<|eot_id|>`,
    cue: '<|start_header_id|>assistant<|end_header_id|>\n\n',
  },
  /** infra/model-sim's chat route: "role: content" lines, then "assistant:". */
  simulator: {
    name: 'simulator',
    begin: '',
    turn: (m) => `${m.role}: ${m.content}\n`,
    cue: 'assistant:',
  },
};

export function chatTemplate(name: ChatTemplateName): ChatTemplate {
  return TEMPLATES[name];
}

/** The whole prompt text: begin, every turn, the generation cue. */
export function renderPrompt(template: ChatTemplate, messages: readonly ChatMessage[]): string {
  return template.begin + messages.map((m) => template.turn(m)).join('') + template.cue;
}
