/** OpenTelemetry propagator getter/setter over string-valued Kafka headers. */
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

export const headerGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key] ?? carrier[key.toLowerCase()],
};

export const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
