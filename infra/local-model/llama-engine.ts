/**
 * The project's own narrow view of node-llama-cpp: only what the local model
 * server uses, typed here because the package lives in .kpo/local-model/engine
 * (installed on first use, see local-model-assets.ts), not in node_modules.
 * loadLlamaEngine imports it from there, loads the weights, creates one context
 * with `sequences` context sequences and resolves the chat wrapper once (doing
 * that per request costs ~0.5 s).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KpoError } from '../../shared/errors/kpo-error.ts';

/** A token id of the model's vocabulary. */
export type Token = number;

export interface LlamaTokenizer {
  tokenize(text: string, specialTokens?: boolean): Token[];
}

export interface LlamaModel {
  readonly tokenizer: LlamaTokenizer;
  tokenize(text: string, specialTokens?: boolean): Token[];
  detokenize(tokens: readonly Token[], specialTokens?: boolean): string;
  isEogToken(token: Token): boolean;
  createContext(options: { sequences: number; contextSize: number; threads?: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface LlamaContext {
  /** Tokens per sequence. */
  readonly contextSize: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface SamplingOptions {
  readonly temperature?: number;
  readonly topP?: number;
  readonly seed?: number;
}

/** One independent token history inside the context: a llama.cpp slot. */
export interface LlamaContextSequence {
  /** The tokens this sequence holds (its KV cache), oldest first. */
  readonly contextTokens: Token[];
  readonly nextTokenIndex: number;
  eraseContextTokenRanges(ranges: { start: number; end: number }[]): Promise<void>;
  clearHistory(): Promise<void>;
  /** Evaluates `tokens` after the held ones, then yields generated tokens (stops at an EOG token). */
  evaluate(tokens: Token[], options?: SamplingOptions): AsyncGenerator<Token, void, void>;
}

/** A chat history as node-llama-cpp's chat wrappers take it. */
export type ChatHistoryItem =
  | { readonly type: 'system'; readonly text: string }
  | { readonly type: 'user'; readonly text: string }
  | { readonly type: 'model'; readonly response: string[] };

export interface ChatWrapper {
  readonly wrapperName: string;
  generateContextState(options: { chatHistory: ChatHistoryItem[] }): {
    contextText: { tokenize(tokenizer: LlamaTokenizer): Token[] };
  };
}

interface Llama {
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

interface NodeLlamaCpp {
  getLlama(options: {
    gpu: false;
    build: 'never';
    skipDownload: true;
    logLevel: 'error';
    maxThreads?: number;
  }): Promise<Llama>;
  resolveChatWrapper(model: LlamaModel): ChatWrapper;
}

export interface EngineOptions {
  readonly engineDir: string;
  readonly modelPath: string;
  readonly sequences: number;
  readonly contextSize: number;
  /** CPU threads for evaluation; 0 = node-llama-cpp's choice (all cores). */
  readonly threads: number;
}

export interface LlamaEngine {
  readonly model: LlamaModel;
  readonly chatWrapper: ChatWrapper;
  readonly sequences: readonly LlamaContextSequence[];
  readonly contextSize: number;
  dispose(): Promise<void>;
}

export async function loadLlamaEngine(options: EngineOptions): Promise<LlamaEngine> {
  const entry = join(options.engineDir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
  let binding: NodeLlamaCpp;
  try {
    binding = (await import(pathToFileURL(entry).href)) as NodeLlamaCpp;
  } catch (cause) {
    throw new KpoError('KPO_MODEL_SETUP', `could not load node-llama-cpp from ${entry}`, { cause });
  }
  const llama = await binding.getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    logLevel: 'error',
    ...(options.threads > 0 ? { maxThreads: options.threads } : {}),
  });
  const model = await llama.loadModel({ modelPath: options.modelPath });
  const context = await model.createContext({
    sequences: options.sequences,
    contextSize: options.contextSize,
    ...(options.threads > 0 ? { threads: options.threads } : {}),
  });
  const sequences = Array.from({ length: options.sequences }, () => context.getSequence());
  return {
    model,
    chatWrapper: binding.resolveChatWrapper(model),
    sequences,
    contextSize: context.contextSize,
    dispose: async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
