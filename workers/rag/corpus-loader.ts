/** Reads a corpus folder (recursively) into passages, once, at worker start. */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { KpoError } from '../../shared/errors/kpo-error.ts';
import { chunkDocument, type Passage } from './passage-chunker.ts';

export interface CorpusLoadOptions {
  readonly path: string;
  /** File extensions read, with the dot. */
  readonly extensions: readonly string[];
  readonly passageMaxChars: number;
}

export async function loadCorpusPassages(options: CorpusLoadOptions): Promise<Passage[]> {
  let files: string[];
  try {
    files = await listFiles(options.path);
  } catch (cause) {
    throw new KpoError('KPO_CONFIG_INVALID', `corpus folder ${options.path} cannot be read`, {
      cause,
      context: { field: 'workers.rag.retriever.path' },
    });
  }
  const wanted = new Set(options.extensions.map((e) => e.toLowerCase()));
  const passages: Passage[] = [];
  for (const file of files.filter((f) => wanted.has(extname(f).toLowerCase())).sort()) {
    const source = relative(options.path, file).split(sep).join('/');
    passages.push(...chunkDocument(source, await readFile(file, 'utf8'), options.passageMaxChars));
  }
  return passages;
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return listFiles(path);
      return entry.isFile() ? [path] : [];
    }),
  );
  return nested.flat();
}
