// `gfl-lens detect`: run a model over an image, a folder or a COCO dataset and write a run file
// (and optionally standard COCO results JSON).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { imageSizeMismatch, parseCocoInstances, type CocoDataset } from '../core/coco/cocoLoad.ts';
import { PRESET_NAMES } from '../core/profiles.ts';
import { cocoResultsChunks } from '../core/report/tabular.ts';
import { parseShard } from '../core/runMerge.ts';
import { checkSettingRange, type RangedSetting } from '../core/settingRanges.ts';
import { Detector, readProfileText, type DetectorOptions } from '../inference/detector.ts';
import { parseProviderList } from '../inference/providerDiagnosis.ts';
import { cocoImageItems, listFolderImages, type ImageItem } from '../io/imageSources.ts';
import { prepareOutputFolder, writeChunksAtomic } from '../io/atomicFile.ts';
import { analyseOpenedRun, openRun } from '../io/runAnalysis.ts';
import { RunStoreWriter } from '../io/runStore.ts';
import { runDetection, shardItems, type RunDetectionResult, type RunItem } from '../pipeline/runDetection.ts';
import type { CliCommand } from './commands.ts';
import { Progress } from './progress.ts';
import { readTextFile, readTextFileSync } from '../io/textFiles.ts';

const HELP = `Usage: gfl-lens detect --model M (--image F | --images DIR | --coco instances.json --images DIR) --out RUN.gflrun
  [--profile P] [--coco-results FILE] [--decode-preset gfl|ultralytics] [--score-thr 0.05] [--nms-iou 0.6] [--max-det 100]
  [--topk 1000] [--max-candidates N] [--providers auto | cuda,webgpu,dml,coreml,cpu] [--threads N] [--fast-decode] [--shard K/N]

  --profile P   a preset (${PRESET_NAMES.join(', ')}) or a JSON profile file
  --decode-preset   post-processing defaults: gfl (score 0.05, top-1000 per level, NMS 0.6, 100 per image; the default
                for GFL heads) or ultralytics (conf 0.001 multi-label, 30,000 candidates, NMS 0.7, 300 per image; the
                default for YOLOv8/YOLO11 exports); the flags below override single values
  --max-candidates N   candidates (box × class) kept by score before NMS, over all levels
  --coco-results FILE   also write the standard COCO results JSON
  --providers   auto (default) times each available execution provider on the model and keeps the fastest;
                a list forces that order, falling back to the next (and to cpu) with the reason recorded
  --fast-decode   decode JPEGs at reduced scale (faster; pixels differ slightly from OpenCV's resize)
  --shard K/N     process only the images whose index i in the full list has i mod N = K (0 ≤ K < N);
                  join the shards with "gfl-lens merge"
`;

export const detectOptions = {
  model: { type: 'string' },
  image: { type: 'string' },
  images: { type: 'string' },
  coco: { type: 'string' },
  out: { type: 'string' },
  profile: { type: 'string' },
  'coco-results': { type: 'string' },
  'score-thr': { type: 'string' },
  'nms-iou': { type: 'string' },
  'max-det': { type: 'string' },
  topk: { type: 'string' },
  'decode-preset': { type: 'string' },
  'max-candidates': { type: 'string' },
  providers: { type: 'string' },
  threads: { type: 'string' },
  'fast-decode': { type: 'boolean' },
  shard: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type DetectValues = ReturnType<typeof parseArgs<{ options: typeof detectOptions; allowPositionals: true }>>['values'];

export const detectCommand: CliCommand = {
  summary: 'run a GFL model over images or a COCO dataset and write a run store',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: detectOptions, allowPositionals: false });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (!values.out) throw new Error('--out RUN.gflrun is required\n' + HELP);
    // Refuse unusable output paths (e.g. under /proc) before the run, not after it.
    if (values['coco-results']) await prepareOutputFolder(values['coco-results']);
    const result = await detectToRunStore(values, values.out);
    if (result.fatal) return 1;
    if (values['coco-results'] && result.stopped) {
      // Results of only the processed images would evaluate as if the others had no objects: nothing is published.
      process.stderr.write(`interrupted: no COCO results written to ${values['coco-results']} (the run is incomplete)\n`);
    }
    if (values['coco-results'] && !result.stopped) {
      const opened = await openRun(values.out, undefined, result.dataset);
      await writeChunksAtomic(values['coco-results'], cocoResultsChunks(opened.table, analyseOpenedRun({ ...opened, groundTruth: null })));
      if (!values.quiet) process.stderr.write(`wrote COCO results ${values['coco-results']}\n`);
    }
    // Images lost to a dying inference worker make the run an unreliable result: say so with the exit status.
    return result.stopped ? 130 : (result.errors && !result.images) || result.engineErrors ? 1 : 0;
  },
};

/** Per-image size warnings printed before they are summarised. */
const SIZE_WARNINGS_SHOWN = 5;

export interface DetectOutcome extends RunDetectionResult {
  /** Where the run is: the final path, or "<out>.partial" when stopped. */
  path: string;
  dataset?: CocoDataset;
}

/** Shared by detect and analyze: runs the model and writes the run store; Ctrl-C stops cleanly. */
export async function detectToRunStore(values: DetectValues, out: string): Promise<DetectOutcome> {
  if (!values.model) throw new Error('--model M is required');
  const sources = [values.image, values.images && !values.coco ? values.images : undefined, values.coco].filter(Boolean);
  if (sources.length !== 1) throw new Error('give exactly one of --image F, --images DIR, or --coco instances.json --images DIR');
  const shard = values.shard ? parseShard(values.shard) : undefined;

  let dataset: CocoDataset | undefined;
  let items: ImageItem[];
  const rejected: { label: string; imageId: number; message: string }[] = [];
  if (values.coco) {
    if (!values.images) throw new Error('--coco needs --images DIR (the folder holding the dataset images)');
    dataset = parseCocoInstances(await readTextFile(values.coco, 'COCO annotations'), values.coco);
    for (const warning of dataset.warnings) process.stderr.write(`warning: ${warning}\n`);
    const resolved = cocoImageItems(dataset, values.images);
    items = resolved.items;
    for (const r of resolved.rejected) rejected.push(r);
  } else if (values.images) {
    items = await listFolderImages(values.images, (name, problem) => rejected.push({ label: name, imageId: 0, message: problem }));
  } else {
    items = [{ source: path.resolve(values.image!), label: path.basename(values.image!), imageId: 1 }];
  }
  const runItems: RunItem[] = shardItems(items, shard).map(({ item, itemIndex }) => ({ ...item, itemIndex }));
  const rejectedRecords = shardItems(rejected, shard).map(({ item: r }) => ({ record: 'error' as const, file: r.label, imageId: r.imageId, message: r.message }));

  await prepareOutputFolder(out);
  const detector = await Detector.create(detectorOptions(values));
  const progress = new Progress(runItems.length, values.quiet ? undefined : process.stderr);
  // Warnings and skipped images are printed even with --quiet (which silences progress only): a refused file must
  // never go unmentioned.
  const note = (message: string) => (values.quiet ? process.stderr.write(`${message}\n`) : progress.note(message));
  for (const r of rejectedRecords) note(`warning: ${r.file}: ${r.message}`);
  const cocoImageOf = new Map(dataset?.images.map((image) => [image.id, image]));
  let sizeMismatches = 0;
  const controller = new AbortController();
  const onSigint = () => {
    progress.note('interrupted: finishing the current image; the run stays ".partial" (incomplete)');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const writer = await RunStoreWriter.create(out, detector.runHeader({
      // An image_info file (no annotations) gives images only: the run has no ground truth to evaluate against.
      annotations: values.coco && !dataset?.imageInfoOnly ? path.resolve(values.coco) : undefined,
      imagesDir: values.images ? path.resolve(values.images) : undefined,
      ...(shard ? { shard: { index: shard.index, count: shard.count, images: items.length } } : {}),
    }));
    if (!values.quiet) {
      process.stderr.write(`model ${detector.identity.fileName} on ${detector.provider.active}` +
        `${detector.provider.decision ? `: ${detector.provider.decision}` : ''}` +
        `${shard ? `; shard ${shard.index}/${shard.count}: ${runItems.length} of ${items.length} images` : ''}\n`);
      for (const f of detector.provider.fallbacks) process.stderr.write(`  provider ${f.provider} not used: ${f.reason}\n`);
      for (const note of detector.head.notes) process.stderr.write(`  ${note}\n`);
    }
    let reported = 0;
    const result = await runDetection(detector, runItems, writer, {
      signal: controller.signal,
      onProgress: (p) => {
        progress.tick();
        // Every failure is named on stderr, not only in the run.
        if (p.errors > reported && p.lastError) note(`skipped ${p.lastError}`);
        reported = p.errors;
      },
      onImage: (record) => {
        // A resized dataset would score AP 0 silently: its boxes are in the stated size.
        const cocoImage = cocoImageOf.get(record.imageId);
        const mismatch = cocoImage && imageSizeMismatch(cocoImage, record.width, record.height);
        if (mismatch && ++sizeMismatches <= SIZE_WARNINGS_SHOWN) note(`warning: ${values.coco}: ${mismatch}`);
      },
    }, rejectedRecords);
    if (sizeMismatches > SIZE_WARNINGS_SHOWN) note(`warning: ${values.coco}: ${sizeMismatches} images in all differ from their COCO width/height (boxes would not line up with the ground truth: was the dataset resized?)`);
    if (result.stopped) {
      progress.done(`stopped after ${result.images} images; partial run left at ${writer.partialPath}`);
      return { ...result, path: writer.partialPath, dataset };
    }
    if (result.fatal) {
      progress.done(`the model could not run (${result.fatal}); incomplete run left at ${writer.partialPath}`);
      return { ...result, path: writer.partialPath, dataset };
    }
    const footer = result.footer!;
    if (result.engineErrors) progress.note(`${result.engineErrors} images were lost to the inference worker stopping (see the errors above); they are recorded as failed, and the exit status is 1`);
    progress.done(`${footer.images} images, ${footer.detections} detections, ${footer.errors} errors in ${(footer.timingMs.wall / 1000).toFixed(1)} s → ${out}`);
    return { ...result, path: path.resolve(out), dataset };
  } finally {
    process.off('SIGINT', onSigint);
    await detector.dispose();
  }
}

export function detectorOptions(values: Pick<DetectValues, 'model' | 'profile' | 'score-thr' | 'nms-iou' | 'max-det' | 'topk' | 'decode-preset' | 'max-candidates' | 'providers' | 'threads' | 'fast-decode'>): DetectorOptions {
  const options: DetectorOptions = { modelPath: values.model!, decode: {}, fastDecode: values['fast-decode'] };
  if (values.profile) {
    if (PRESET_NAMES.includes(values.profile)) options.preset = values.profile;
    else {
      if (!fs.existsSync(values.profile)) throw new Error(`--profile ${values.profile}: neither a preset (${PRESET_NAMES.join(', ')}) nor an existing JSON file`);
      options.profile = readProfileText(readTextFileSync(values.profile, 'profile'), values.profile);
      options.profileSource = values.profile;
    }
  }
  const num = (flag: string, key: RangedSetting, v: string | undefined) => (v === undefined ? undefined : checkSettingRange(`--${flag}`, key, v.trim() === '' ? v : Number(v)));
  const thr = num('score-thr', 'scoreThreshold', values['score-thr']);
  const iou = num('nms-iou', 'nmsIoU', values['nms-iou']);
  const maxDet = num('max-det', 'maxPerImage', values['max-det']);
  const topk = num('topk', 'topKPerLevel', values.topk);
  if (thr !== undefined) options.decode!.scoreThreshold = thr;
  if (iou !== undefined) options.decode!.nmsIoU = iou;
  if (maxDet !== undefined) options.decode!.maxPerImage = Math.round(maxDet);
  if (topk !== undefined) options.decode!.topKPerLevel = Math.round(topk);
  const maxCandidates = num('max-candidates', 'maxCandidates', values['max-candidates']);
  if (maxCandidates !== undefined) options.decode!.maxCandidates = Math.round(maxCandidates);
  const decodePreset = values['decode-preset'];
  if (decodePreset !== undefined) {
    if (decodePreset !== 'gfl' && decodePreset !== 'ultralytics') throw new Error(`--decode-preset must be gfl or ultralytics, got "${decodePreset}"`);
    options.decodePreset = decodePreset;
  }
  if (values.providers) {
    options.providers = parseProviderList(values.providers.split(','), '--providers');
  }
  const threads = num('threads', 'threads', values.threads);
  if (threads) options.intraOpThreads = Math.round(threads);
  return options;
}
