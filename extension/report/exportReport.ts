// Host side of report export (CLI `gfl-lens report` and the editor's Export Report command): loads the run, its
// ground truth and analysis, cuts image crops with sharp, renders with the pure builders in core/report and writes
// atomically. Deterministic: the same run exported twice gives identical bytes.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { analyzeRun, type GflAnalysis } from '../core/analytics/analysis.ts';
import { mapClassesToCategories } from '../core/coco/categoryMapping.ts';
import { parseCocoInstances, type CocoDataset } from '../core/coco/cocoLoad.ts';
import { buildHtmlReport } from '../core/report/htmlReport.ts';
import { buildMarkdownReport } from '../core/report/markdownReport.ts';
import { buildReportData, reportCropRequests, type ReportCropRequest, type ReportData } from '../core/report/reportData.ts';
import { buildCocoResultsReport, buildCsvReport, buildJsonReport } from '../core/report/tabular.ts';
import type { Run } from '../core/runFormat.ts';
import { readRunFile, writeFileAtomic } from '../io/runFiles.ts';

export const REPORT_FORMATS = ['html', 'md', 'json', 'csv', 'coco'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ExportProgress {
  message: string;
  /** 0..1 over the whole export. */
  fraction: number;
}

export interface ExportReportOptions {
  runPath: string;
  format: ReportFormat;
  outPath: string;
  /** The run's analysis when the caller already has it (the editor does); computed here otherwise. */
  analysis?: GflAnalysis;
  /** COCO instances file to evaluate against instead of the one the run header names. */
  annotationsPath?: string;
  onProgress?: (progress: ExportProgress) => void;
  signal?: AbortSignal;
  /** Where the partial plotly bundle is (default: dist/webview/plotly-partial.js beside the running bundle). */
  plotlyBundlePath?: string;
}

export interface ExportReportResult {
  /** Files written, the report first (Markdown: then its charts). */
  files: string[];
  bytes: number;
  /** Non-fatal problems, e.g. an image that could not be read for a crop. */
  warnings: string[];
}

/** Crop thumbnails: longest side in pixels, JPEG quality. Small on purpose: a report carries dozens of them. */
const CROP_SIZE = 128;
const CROP_QUALITY = 70;
/** Context around a box, as a fraction of its size per side (at least CROP_MIN_PAD pixels). */
const CROP_CONTEXT = 0.25;
const CROP_MIN_PAD = 8;

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** Exports one run in one format. Throws with a message naming the file on bad input. */
export async function exportReport(options: ExportReportOptions): Promise<ExportReportResult> {
  const { format, outPath, signal } = options;
  if (!isReportFormat(format)) throw new Error(`unknown report format "${String(format)}": choose one of ${REPORT_FORMATS.join(', ')}`);
  const progress = (message: string, fraction: number) => options.onProgress?.({ message, fraction });
  const warnings: string[] = [];

  progress('reading run', 0);
  const run = await readRunFile(options.runPath);
  signal?.throwIfAborted();
  const annotationsPath = options.annotationsPath ?? run.header.dataset.annotations;
  let groundTruth: CocoDataset | undefined;
  if (annotationsPath) {
    progress('reading ground truth', 0.05);
    groundTruth = parseCocoInstances(await readText(annotationsPath, `ground truth of ${options.runPath}`), annotationsPath);
    signal?.throwIfAborted();
  }
  let analysis = options.analysis;
  if (groundTruth && !analysis) {
    progress('analysing', 0.1);
    analysis = analyzeRun(run, groundTruth, mapClassesToCategories(run.header.profile.classNames, groundTruth.categories).classToCategory);
    signal?.throwIfAborted();
  }
  progress('evaluating', 0.4);
  const data = buildReportData({ run, groundTruth, annotationsName: annotationsPath, analysis });
  signal?.throwIfAborted();

  const files: string[] = [];
  let bytes = 0;
  const write = async (file: string, content: string) => {
    signal?.throwIfAborted();
    await writeFileAtomic(file, content);
    files.push(file);
    bytes += Buffer.byteLength(content);
  };

  switch (format) {
    case 'json':
      await write(outPath, buildJsonReport(data));
      break;
    case 'csv':
      await write(outPath, buildCsvReport(data));
      break;
    case 'coco':
      await write(outPath, buildCocoResultsReport(data));
      break;
    case 'md': {
      const prefix = path.basename(outPath).replace(/\.(md|markdown)$/i, '');
      const report = buildMarkdownReport(data, prefix);
      // Report first in the result list, but charts on disk first, so the Markdown never links a missing file.
      const chartFiles: string[] = [];
      for (const c of report.charts) {
        const file = path.join(path.dirname(outPath), c.name);
        signal?.throwIfAborted();
        await writeFileAtomic(file, c.svg);
        chartFiles.push(file);
        bytes += Buffer.byteLength(c.svg);
      }
      await write(outPath, report.markdown);
      files.push(...chartFiles);
      break;
    }
    case 'html': {
      progress('cutting image crops', 0.5);
      const crops = await makeCrops(run, data, options.runPath, warnings, signal,
        (done, total) => progress(`image crops ${done}/${total}`, 0.5 + 0.4 * (done / Math.max(1, total))));
      const plotlyJs = await readPlotlyBundle(options.plotlyBundlePath);
      progress('writing', 0.95);
      await write(outPath, buildHtmlReport(data, { plotlyJs, crops }));
      break;
    }
  }
  progress('done', 1);
  return { files, bytes, warnings };
}

async function readText(file: string, role: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read the ${role} (${code === 'ENOENT' ? 'file not found' : (error as Error).message})`);
  }
}

/** Candidate locations of the plotly bundle: beside a dist bundle (dist/cli.js, dist/extension.js) or from source. */
function plotlyBundleCandidates(): string[] {
  return [
    path.join(__dirname, 'webview', 'plotly-partial.js'),
    path.resolve(__dirname, '..', '..', 'dist', 'webview', 'plotly-partial.js'),
  ];
}

async function readPlotlyBundle(explicit?: string): Promise<string> {
  const candidates = explicit ? [explicit] : plotlyBundleCandidates();
  for (const file of candidates) {
    try {
      return await fs.promises.readFile(file, 'utf8');
    } catch {
      // try the next location
    }
  }
  throw new Error(`the plotly bundle for HTML reports is missing (looked at ${candidates.join(', ')}); run "npm run build"`);
}

/** Where an image of the run is on disk: under the dataset's images folder, else as recorded (relative to the run). */
function imagePath(run: Run, runPath: string, file: string): string {
  if (run.header.dataset.imagesDir) return path.join(run.header.dataset.imagesDir, file);
  return path.isAbsolute(file) ? file : path.resolve(path.dirname(runPath), file);
}

/** JPEG data URIs of every crop the HTML shows, box outlined; images decoded once each, in report order. */
async function makeCrops(
  run: Run,
  data: ReportData,
  runPath: string,
  warnings: string[],
  signal: AbortSignal | undefined,
  onImage: (done: number, total: number) => void,
): Promise<Map<string, string>> {
  const requests = reportCropRequests(data);
  const byImage = new Map<number, ReportCropRequest[]>();
  for (const r of requests) {
    const list = byImage.get(r.imageId);
    if (list) list.push(r); else byImage.set(r.imageId, [r]);
  }
  const fileOf = new Map(run.images.map((image) => [image.imageId, image.file]));
  const crops = new Map<string, string>();
  const imageIds = [...byImage.keys()];
  let done = 0;
  let next = 0;
  // A few images in flight: sharp decodes on its own thread pool, so this keeps both cores busy.
  const worker = async () => {
    while (next < imageIds.length) {
      const imageId = imageIds[next++];
      signal?.throwIfAborted();
      const file = imagePath(run, runPath, fileOf.get(imageId) ?? '');
      try {
        const decoded = await sharp(file, { failOn: 'truncated' }).autoOrient().removeAlpha().raw().toBuffer({ resolveWithObject: true });
        for (const request of byImage.get(imageId)!) crops.set(request.key, await cropDataUri(decoded.data, decoded.info.width, decoded.info.height, decoded.info.channels, request));
      } catch (error) {
        warnings.push(`${file}: no crops (${(error as Error).message})`);
      }
      onImage(++done, imageIds.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, imageIds.length) }, worker));
  // Insertion order depends on timing; the HTML looks crops up by key, but keep the map's order deterministic too.
  return new Map(requests.filter((r) => crops.has(r.key)).map((r) => [r.key, crops.get(r.key)!]));
}

async function cropDataUri(pixels: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4, request: ReportCropRequest): Promise<string> {
  const [x1, y1, x2, y2] = request.box;
  const padX = Math.max(CROP_MIN_PAD, (x2 - x1) * CROP_CONTEXT);
  const padY = Math.max(CROP_MIN_PAD, (y2 - y1) * CROP_CONTEXT);
  const left = clamp(Math.floor(x1 - padX), 0, width - 1);
  const top = clamp(Math.floor(y1 - padY), 0, height - 1);
  const right = clamp(Math.ceil(x2 + padX), left + 1, width);
  const bottom = clamp(Math.ceil(y2 + padY), top + 1, height);
  const w = right - left, h = bottom - top;
  // Fit the longest side to CROP_SIZE; small boxes are enlarged at most 4×.
  const scale = Math.min(CROP_SIZE / Math.max(w, h), 4);
  const outW = Math.max(1, Math.round(w * scale)), outH = Math.max(1, Math.round(h * scale));
  const bx = (x1 - left) * scale, by = (y1 - top) * scale, bw = (x2 - x1) * scale, bh = (y2 - y1) * scale;
  const color = request.kind === 'detection' ? '#ff9f1c' : '#2ecc71';
  const outline = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${outW}" height="${outH}"><rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="none" stroke="${color}" stroke-width="2"/></svg>`);
  const jpeg = await sharp(pixels, { raw: { width, height, channels } })
    .extract({ left, top, width: w, height: h })
    .resize({ width: outW, height: outH, fit: 'fill' })
    .composite([{ input: outline, left: 0, top: 0 }])
    .jpeg({ quality: CROP_QUALITY })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
