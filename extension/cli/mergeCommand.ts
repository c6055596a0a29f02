// `gfl-lens merge`: joins the shards of one run (detect --shard K/N, run anywhere) into one run store.
import { parseArgs } from 'node:util';
import { mergeRunTables } from '../core/runMerge.ts';
import { readRun, writeRunTable } from '../io/runStore.ts';
import type { CliCommand } from './commands.ts';

const HELP = `Usage: gfl-lens merge SHARD.gflrun [SHARD.gflrun ...] --out RUN.gflrun

Joins the shards of one run (gfl-lens detect --shard K/N on several machines or array jobs) into the run a
single process would have written: same header, images in their original order. Refuses shards of different
models, settings or datasets, overlapping shards, incomplete shards, and a set with shards missing.
`;

export const mergeCommand: CliCommand = {
  summary: 'join the shards of a run (detect --shard K/N) into one run',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (!values.out) throw new Error(`--out RUN.gflrun is required\n${HELP}`);
    if (positionals.length === 0) throw new Error(`give the shards to merge\n${HELP}`);
    const runs = [];
    for (const name of positionals) runs.push({ name, table: await readRun(name) });
    const merged = mergeRunTables(runs);
    const footer = await writeRunTable(merged, values.out);
    if (!values.quiet) process.stderr.write(`merged ${runs.length} shards: ${footer.images} images, ${footer.detections} detections, ${footer.errors} errors → ${values.out}\n`);
    return 0;
  },
};
