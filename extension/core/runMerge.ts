// Joins the shards of one run (detect --shard K/N on several machines) into the run a single process would have
// written: same header, images in their original order (by item index), detections unchanged. Pure.
import type { RunHeader } from './runFormat.ts';
import { RunTableBuilder, storedBins, type RunTable } from './runTable.ts';

/** A shard as given on the command line: where it came from (for messages) and its table. */
export interface NamedRun {
  name: string;
  table: RunTable;
}

/** What must agree between shards for their union to be one run. */
function runIdentity(header: RunHeader): Record<string, string> {
  return {
    'model (SHA-256)': header.model.sha256,
    profile: JSON.stringify(header.profile),
    'decode settings': JSON.stringify(header.decode),
    head: JSON.stringify({ ...header.head, notes: undefined }),
    'dataset annotations': header.dataset.annotations ?? '(none)',
    'images folder': header.dataset.imagesDir ?? '(none)',
  };
}

/** Merges shards; throws naming the shard and the difference when they are not parts of one run. */
export function mergeRunTables(runs: readonly NamedRun[]): RunTable {
  if (runs.length === 0) throw new Error('merge needs at least one run');
  const first = runs[0];
  const expected = runIdentity(first.table.header);
  for (const run of runs) {
    if (!run.table.complete) throw new Error(`${run.name}: incomplete run (interrupted shard): rerun that shard before merging`);
    const identity = runIdentity(run.table.header);
    for (const key of Object.keys(expected)) {
      if (identity[key] !== expected[key]) throw new Error(`${run.name}: its ${key} differs from ${first.name}'s: shards must come from the same model, settings and dataset`);
    }
  }
  // Every image once, ordered by its index in the full image list.
  const owner = new Map<number, string>();
  const order: { run: number; image: number; itemIndex: number }[] = [];
  runs.forEach((run, r) => {
    const { images } = run.table;
    for (let i = 0; i < images.count; i++) {
      const id = images.imageId[i];
      const other = owner.get(id);
      if (other !== undefined) throw new Error(`${run.name}: image ${images.file[i]} (id ${id}) is also in ${other}: shards overlap`);
      owner.set(id, run.name);
      order.push({ run: r, image: i, itemIndex: images.itemIndex[i] });
    }
  });
  order.sort((a, b) => a.itemIndex - b.itemIndex || a.run - b.run || a.image - b.image);

  const builder = new RunTableBuilder(storedBins(first.table.header));
  for (const { run, image } of order) {
    const { images, detections } = runs[run].table;
    builder.appendImageFrom(images, detections, image);
  }
  for (const run of runs) for (const error of run.table.errors) builder.addError(error);
  const counts = new Set(runs.map((r) => r.table.header.dataset.shard?.count ?? 0));
  const shards = new Set(runs.map((r) => r.table.header.dataset.shard?.index));
  const count = [...counts][0];
  if (counts.size === 1 && count > 0 && shards.size !== count) {
    const missing = Array.from({ length: count }, (_, k) => k).filter((k) => !shards.has(k));
    throw new Error(`shards ${missing.map((k) => `${k}/${count}`).join(', ')} are missing: merging would leave out their images`);
  }
  const footers = runs.map((r) => r.table.footer!);
  const sum = (pick: (f: NonNullable<RunTable['footer']>) => number) => footers.reduce((s, f) => s + pick(f), 0);
  const { shard: _shard, ...dataset } = first.table.header.dataset;
  const built = builder.build({ ...first.table.header, dataset }, true);
  built.footer = {
    record: 'footer', complete: true, images: built.images.count, errors: built.errors.length, detections: built.detections.count,
    timingMs: {
      wall: Math.max(...footers.map((f) => f.timingMs.wall)),
      preprocessMs: sum((f) => f.timingMs.preprocessMs), inferenceMs: sum((f) => f.timingMs.inferenceMs), decodeMs: sum((f) => f.timingMs.decodeMs),
    },
    finishedAt: footers.map((f) => f.finishedAt).sort().at(-1)!,
  };
  return built;
}

/** Parses "K/N" (0 ≤ K < N): this process takes the images whose index i in the full list has i mod N = K. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN, count = match ? Number(match[2]) : NaN;
  if (!match || !(count >= 1) || !(index >= 0 && index < count)) {
    throw new Error(`--shard must be K/N with 0 ≤ K < N (e.g. 0/4 … 3/4), got "${text}"`);
  }
  return { index, count };
}
