/** True for a plain object (a parsed YAML/TOML/JSON mapping), not null or an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
