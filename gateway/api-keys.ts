/**
 * API keys → tenants. Keys come from the environment (KPO_GATEWAY_KEYS) or a
 * file (KPO_GATEWAY_KEYS_FILE), as `tenant=key` entries (comma- or
 * line-separated, `#` comments). A key may be written as `sha256:<hex>` so the
 * file holds no secret; plain keys are hashed on load. Only SHA-256 digests
 * are kept in memory, and a presented key is looked up by its digest.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KpoError } from '../shared/errors/kpo-error.ts';

const HASHED = /^sha256:([0-9a-f]{64})$/;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeyTable {
  private readonly tenantByDigest: ReadonlyMap<string, string>;

  private constructor(tenantByDigest: Map<string, string>) {
    this.tenantByDigest = tenantByDigest;
  }

  /** Parses entries; `source` names where they came from, for errors. Keys never appear in errors. */
  static parse(text: string, source: string): ApiKeyTable {
    const table = new Map<string, string>();
    const entries = text
      .split(/[\n,]/)
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line.length > 0);
    entries.forEach((entry, index) => {
      const eq = entry.indexOf('=');
      const tenant = entry.slice(0, Math.max(eq, 0)).trim();
      const key = entry.slice(eq + 1).trim();
      if (eq <= 0 || !TENANT.test(tenant) || key.length === 0) {
        throw new KpoError(
          'KPO_CONFIG_INVALID',
          `${source}: entry ${index + 1} must be tenant=key or tenant=sha256:<hex> (tenant: letters, digits, . _ -)`,
          { context: { field: source } },
        );
      }
      table.set(HASHED.exec(key)?.[1] ?? hashApiKey(key), tenant);
    });
    return new ApiKeyTable(table);
  }

  /** Keys from KPO_GATEWAY_KEYS and KPO_GATEWAY_KEYS_FILE; undefined when neither is set (no auth). */
  static fromEnv(env: NodeJS.ProcessEnv): ApiKeyTable | undefined {
    const parts: ApiKeyTable[] = [];
    if (env.KPO_GATEWAY_KEYS) parts.push(ApiKeyTable.parse(env.KPO_GATEWAY_KEYS, 'KPO_GATEWAY_KEYS'));
    const file = env.KPO_GATEWAY_KEYS_FILE;
    if (file) parts.push(ApiKeyTable.parse(readFileSync(file, 'utf8'), file));
    if (parts.length === 0) return undefined;
    return new ApiKeyTable(new Map(parts.flatMap((p) => [...p.tenantByDigest])));
  }

  get size(): number {
    return this.tenantByDigest.size;
  }

  /** The tenant of a presented key, or undefined. */
  tenantOf(key: string): string | undefined {
    return this.tenantByDigest.get(hashApiKey(key));
  }
}
