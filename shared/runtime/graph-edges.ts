/**
 * How a stage node meets its edges: the codec that reads its input topic
 * (converting the upstream kind when the graph allows it, e.g. prompts
 * straight into assemble), and a handler wrapper that sends each output to the
 * topic its route picks by a field of the output message.
 */
import { convertMessage } from '../messages/message-kind-conversions.ts';
import type { OutputRoute, StageNode } from '../pipeline/pipeline-graph.ts';
import { fieldAt } from '../pipeline/route-field.ts';
import type { MessageCodecs } from '../serde/create-message-codecs.ts';
import type { RecordCodec } from '../serde/record-codec.ts';
import type { StageHandler } from './stage-handler.ts';

export function inputCodecOf(codecs: MessageCodecs, node: StageNode): RecordCodec<unknown> {
  const codec = codecs[node.upstreamKind] as RecordCodec<unknown>;
  if (node.upstreamKind === node.inputKind) return codec;
  const { upstreamKind, inputKind } = node;
  return {
    messageName: codec.messageName,
    decode: async (value) => convertMessage(upstreamKind, inputKind, (await codec.decode(value)) as never),
    encode: (message) => codec.encode(message),
  };
}

/** The topic of one output: its route's topic for the value of the routing field, else the default. */
export function routedTopic(route: OutputRoute, output: unknown): string {
  const value = fieldAt(output, route.by);
  return (typeof value === 'string' ? route.routes[value] : undefined) ?? route.default;
}

export function withOutputRoute<In, Out>(
  handler: StageHandler<In, Out>,
  route: OutputRoute | undefined,
): StageHandler<In, Out> {
  if (route === undefined) return handler;
  return {
    identify: (input) => handler.identify(input),
    ...(handler.deadlineOf === undefined ? {} : { deadlineOf: (input: In) => handler.deadlineOf!(input) }),
    handle: (input, context) =>
      handler.handle(input, {
        source: context.source,
        attempt: context.attempt,
        signal: context.signal,
        emit: (output, options) =>
          context.emit(output, { ...options, topic: options?.topic ?? routedTopic(route, output) }),
      }),
  };
}
