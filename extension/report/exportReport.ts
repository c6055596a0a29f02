// Host side of report export (CLI `gfl-lens report` and the editor's Export Report command): loads the run, its
// ground truth and analysis, cuts image crops with sharp, renders with the pure builders in core/report and writes
// atomically. Deterministic: the same run exported twice gives identical bytes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadSharp } from '../io/sharp.ts';
import type { GflAnalysis } from '../core/analytics/analysis.ts';
import { buildHtmlReport } from '../core/report/htmlReport.ts';
import { buildMarkdownReport } from '../core/report/markdownReport.ts';
import { buildReportData, reportCropRequests, type ReportCropRequest, type ReportData } from '../core/report/reportData.ts';
import { buildJsonReport, cocoResultsChunks, csvReportChunks } from '../core/report/tabular.ts';
import { imageIndexById, type RunTable } from '../core/runTable.ts';
import { analyseOpenedRunInParallel, openRun, type OpenedRun } from '../io/runAnalysis.ts';
import { analysisJobPool } from '../workers/analysisJobs.ts';
import { writeChunksAtomic, writeFileAtomic } from '../io/atomicFile.ts';
import { resolveInsideRoot } from '../io/imageSources.ts';
import { MAX_IMAGE_BYTES, readRegularFile } from '../io/safeRead.ts';
import { parquetChunks } from './parquetExport.ts';

export const REPORT_FORMATS = ['html', 'md', 'json', 'csv', 'coco', 'parquet'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ExportProgress {
  message: string;
  /** 0..1 over the whole export. */
  fraction: number;
}

export interface ExportReportOptions {
  /** The run to export: a path (opened and analysed here), or an opened run with its analysis (the editor's worker). */
  runPath?: string;
  opened?: OpenedRun;
  analysis?: GflAnalysis;
  format: ReportFormat;
  outPath: string;
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

/** Exports one run in one format. Throws with a message naming the file on bad input; writes nothing on failure. */
export async function exportReport(options: ExportReportOptions): Promise<ExportReportResult> {
  const { format, outPath, signal } = options;
  if (!isReportFormat(format)) throw new Error(`unknown report format "${String(format)}": choose one of ${REPORT_FORMATS.join(', ')}`);
  const progress = (message: string, fraction: number) => options.onProgress?.({ message, fraction });
  const warnings: string[] = [];

  let opened = options.opened;
  if (!opened) {
    if (!options.runPath) throw new Error('exportReport needs a run path or an opened run');
    progress('reading run', 0);
    if (!options.analysis) analysisJobPool()?.warm();
    opened = await openRun(options.runPath, options.annotationsPath);
    signal?.throwIfAborted();
  }
  const runPath = opened.sourcePath;
  let analysis = options.analysis;
  if (!analysis) {
    progress('analysing', 0.1);
    // Tabular exports need only the per-detection columns: skip the bootstrap and the rescoring.
    const tabular = format === 'csv' || format === 'coco' || format === 'parquet';
    analysis = await analyseOpenedRunInParallel(opened, { detail: tabular ? 'summary' : 'full' });
    signal?.throwIfAborted();
  }
  const table = opened.table;

  const files: string[] = [];
  let bytes = 0;
  const write = async (file: string, content: string) => {
    signal?.throwIfAborted();
    await writeFileAtomic(file, content);
    files.push(file);
    bytes += Buffer.byteLength(content);
  };
  const writeChunks = async (file: string, chunks: Iterable<string | Uint8Array>) => {
    bytes += await writeChunksAtomic(file, chunks, signal);
    files.push(file);
  };

  switch (format) {
    case 'csv':
      progress('writing', 0.4);
      await writeChunks(outPath, csvReportChunks(table, analysis));
      break;
    case 'coco':
      progress('writing', 0.4);
      await writeChunks(outPath, cocoResultsChunks(table, analysis));
      break;
    case 'parquet':
      progress('writing', 0.4);
      await writeChunks(outPath, parquetChunks(table, analysis));
      break;
    case 'json':
      await write(outPath, buildJsonReport(buildReportData({ table, analysis, groundTruth: opened.groundTruth })));
      break;
    case 'md': {
      const data = buildReportData({ table, analysis, groundTruth: opened.groundTruth });
      const prefix = path.basename(outPath).replace(/\.(md|markdown)$/i, '');
      const report = buildMarkdownReport(data, prefix);
      // Report first in the result list, but charts on disk first, so the Markdown never links a missing file.
      // If anything fails (a full disk, an abort), the charts of this export are removed again: no orphans.
      const chartFiles: string[] = [];
      try {
        for (const c of report.charts) {
          const file = path.join(path.dirname(outPath), c.name);
          signal?.throwIfAborted();
          await writeFileAtomic(file, c.svg);
          chartFiles.push(file);
          bytes += Buffer.byteLength(c.svg);
        }
        await write(outPath, report.markdown);
      } catch (error) {
        await Promise.all(chartFiles.map((file) => fs.promises.rm(file, { force: true })));
        throw error;
      }
      files.push(...chartFiles);
      break;
    }
    case 'html': {
      const data = buildReportData({ table, analysis, groundTruth: opened.groundTruth });
      progress('cutting image crops', 0.5);
      const crops = await makeCrops(table, data, runPath, warnings, signal,
        (done, total) => progress(`image crops ${done}/${total}`, 0.5 + 0.4 * (done / Math.max(1, total))));
      const { plotlyJs, plotlyCss } = await readPlotlyBundle(options.plotlyBundlePath);
      progress('writing', 0.95);
      await write(outPath, buildHtmlReport(data, { plotlyJs, plotlyCss, crops, sha256Base64 }));
      break;
    }
  }
  progress('done', 1);
  return { files, bytes, warnings };
}

/** Candidate locations of the plotly bundle: beside a dist bundle (dist/cli.js, dist/extension.js) or from source. */
function plotlyBundleCandidates(): string[] {
  return [
    path.join(__dirname, 'webview', 'plotly-partial.js'),
    path.resolve(__dirname, '..', '..', 'dist', 'webview', 'plotly-partial.js'),
  ];
}

function sha256Base64(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('base64');
}

/** The plotly bundle and its stylesheet (plotly.css, written beside it by esbuild.mjs). */
async function readPlotlyBundle(explicit?: string): Promise<{ plotlyJs: string; plotlyCss: string }> {
  const candidates = explicit ? [explicit] : plotlyBundleCandidates();
  for (const file of candidates) {
    try {
      const plotlyJs = await fs.promises.readFile(file, 'utf8');
      return { plotlyJs, plotlyCss: await fs.promises.readFile(path.join(path.dirname(file), 'plotly.css'), 'utf8') };
    } catch {
      // try the next location
    }
  }
  throw new Error(`the plotly bundle for HTML reports or its plotly.css is missing (looked at ${candidates.join(', ')}); run "npm run build"`);
}

/**
 * Where an image of the run is on disk: under the dataset's images folder, else beside the run. A recorded name
 * that leads elsewhere ("../", an absolute path, a symbolic link out) is refused: a run file must not make a report
 * embed crops of arbitrary files.
 */
function imagePath(table: RunTable, runPath: string, file: string): string {
  const imagesDir = table.header.dataset.imagesDir;
  const root = typeof imagesDir === 'string' && imagesDir ? imagesDir : path.dirname(path.resolve(runPath));
  const inside = resolveInsideRoot(root, String(file));
  if ('problem' in inside) throw new Error(inside.problem);
  return inside.real;
}

/** JPEG data URIs of every crop the HTML shows, box outlined; images decoded once each, in report order. */
async function makeCrops(
  table: RunTable,
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
  const imageIndexOf = imageIndexById(table.images);
  const crops = new Map<string, string>();
  const imageIds = [...byImage.keys()];
  // Failures are collected per image and reported in image order, whatever order the decodes finish in.
  const failures = new Map<number, string>();
  let done = 0;
  let next = 0;
  // A few images in flight: sharp decodes on its own thread pool, so this keeps both cores busy.
  const worker = async () => {
    while (next < imageIds.length) {
      const imageId = imageIds[next++];
      signal?.throwIfAborted();
      const index = imageIndexOf.get(imageId);
      const record = index === undefined ? undefined : { file: table.images.file[index], width: table.images.width[index], height: table.images.height[index] };
      let file = record?.file ?? '';
      try {
        if (!record) throw new Error('image not in the run');
        file = imagePath(table, runPath, record.file);
        const geometries = byImage.get(imageId)!.map((request) => ({ request, geometry: cropGeometry(request.box, record.width, record.height) }));
        // Decode only as finely as the most magnified crop needs: JPEG shrink-on-load makes big-box images cheap.
        const detail = Math.min(1, Math.max(...geometries.map((g) => g.geometry.scale)));
        // Read as a regular, size-capped file first: a named pipe in place of an image must not hang the export.
        let pipeline = loadSharp()(await readRegularFile(file, 'image', MAX_IMAGE_BYTES), { failOn: 'truncated' }).autoOrient().removeAlpha();
        if (detail < 1) pipeline = pipeline.resize({ width: Math.max(1, Math.round(record.width * detail)), height: Math.max(1, Math.round(record.height * detail)), fit: 'fill' });
        const decoded = await pipeline.raw().toBuffer({ resolveWithObject: true });
        const source = { pixels: decoded.data, width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels, scaleX: decoded.info.width / record.width, scaleY: decoded.info.height / record.height };
        for (const { request, geometry } of geometries) crops.set(request.key, await cropDataUri(source, geometry, request));
      } catch (error) {
        failures.set(imageId, `${file}: no crops (${(error as Error).message})`);
      }
      onImage(++done, imageIds.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, imageIds.length) }, worker));
  for (const imageId of imageIds) if (failures.has(imageId)) warnings.push(failures.get(imageId)!);
  // Insertion order depends on timing; the HTML looks crops up by key, but keep the map's order deterministic too.
  return new Map(requests.filter((r) => crops.has(r.key)).map((r) => [r.key, crops.get(r.key)!]));
}

interface CropGeometry {
  /** Region with context, original-image pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Original pixels → thumbnail pixels, and the thumbnail size. */
  scale: number;
  outWidth: number;
  outHeight: number;
}

/** The region shown for a box (box plus context, clipped to the image) and the thumbnail size. */
function cropGeometry(box: readonly number[], imageWidth: number, imageHeight: number): CropGeometry {
  const [x1, y1, x2, y2] = box;
  const padX = Math.max(CROP_MIN_PAD, (x2 - x1) * CROP_CONTEXT);
  const padY = Math.max(CROP_MIN_PAD, (y2 - y1) * CROP_CONTEXT);
  const left = clamp(Math.floor(x1 - padX), 0, imageWidth - 1);
  const top = clamp(Math.floor(y1 - padY), 0, imageHeight - 1);
  const width = clamp(Math.ceil(x2 + padX), left + 1, imageWidth) - left;
  const height = clamp(Math.ceil(y2 + padY), top + 1, imageHeight) - top;
  // Fit the longest side to CROP_SIZE; small boxes are enlarged at most 4×.
  const scale = Math.min(CROP_SIZE / Math.max(width, height), 4);
  return { left, top, width, height, scale, outWidth: Math.max(1, Math.round(width * scale)), outHeight: Math.max(1, Math.round(height * scale)) };
}

interface DecodedImage {
  pixels: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** Decoded pixels per original pixel (below 1 when decoded at reduced size). */
  scaleX: number;
  scaleY: number;
}

async function cropDataUri(source: DecodedImage, g: CropGeometry, request: ReportCropRequest): Promise<string> {
  const left = clamp(Math.floor(g.left * source.scaleX), 0, source.width - 1);
  const top = clamp(Math.floor(g.top * source.scaleY), 0, source.height - 1);
  const width = clamp(Math.round((g.left + g.width) * source.scaleX), left + 1, source.width) - left;
  const height = clamp(Math.round((g.top + g.height) * source.scaleY), top + 1, source.height) - top;
  const crop = await loadSharp()(source.pixels, { raw: { width: source.width, height: source.height, channels: source.channels } })
    .extract({ left, top, width, height })
    .resize({ width: g.outWidth, height: g.outHeight, fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // The outline is drawn into the pixels directly (cheaper than compositing a rasterised SVG per crop).
  const [x1, y1, x2, y2] = request.box;
  drawRectangle(crop.data, crop.info.width, crop.info.height, crop.info.channels,
    (x1 - g.left) * g.scale, (y1 - g.top) * g.scale, (x2 - g.left) * g.scale, (y2 - g.top) * g.scale,
    request.kind === 'detection' ? [255, 159, 28] : [46, 204, 113]);
  const jpeg = await loadSharp()(crop.data, { raw: { width: crop.info.width, height: crop.info.height, channels: crop.info.channels } })
    .jpeg({ quality: CROP_QUALITY })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

/** A 2-pixel outline of [x1, y1, x2, y2] (clipped to the image) in an RGB (or grey: luma) colour. */
function drawRectangle(data: Buffer, width: number, height: number, channels: number, x1: number, y1: number, x2: number, y2: number, rgb: [number, number, number]): void {
  const luma = Math.round(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
  const left = clamp(Math.round(x1), 0, width - 1), right = clamp(Math.round(x2) - 1, 0, width - 1);
  const top = clamp(Math.round(y1), 0, height - 1), bottom = clamp(Math.round(y2) - 1, 0, height - 1);
  const paint = (x: number, y: number) => {
    const p = (y * width + x) * channels;
    if (channels >= 3) { data[p] = rgb[0]; data[p + 1] = rgb[1]; data[p + 2] = rgb[2]; } else data[p] = luma;
  };
  for (let t = 0; t < 2; t++) {
    for (let x = left; x <= right; x++) {
      paint(x, clamp(top + t, 0, height - 1));
      paint(x, clamp(bottom - t, 0, height - 1));
    }
    for (let y = top; y <= bottom; y++) {
      paint(clamp(left + t, 0, width - 1), y);
      paint(clamp(right - t, 0, width - 1), y);
    }
  }
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
