// COCO instances / results JSON: parse from text, validate in one pass, keep only what evaluation needs.
// Errors name the file, the array index and the field, e.g. `gt.json: annotations[12].bbox: width is negative (-3)`.
import { parseJsonText } from '../jsonText.ts';
import type { CocoResult } from './categoryMapping.ts';

export type CocoBox = [number, number, number, number];

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in image pixels. */
  bbox: CocoBox;
  /** Segment area as the dataset states it (COCOeval's area ranges use this, not width · height). */
  area: number;
  iscrowd: 0 | 1;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export interface CocoDataset {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
  /** Tolerated deviations from the format (e.g. missing `area`), one line each. */
  warnings: string[];
  /**
   * True for a test-dev style "image_info" file: images and categories but no "annotations" key. Detection runs
   * on it; there is nothing to evaluate against.
   */
  imageInfoOnly?: boolean;
}

/** Longest error message: a 2-million-element bbox must not make a 4 MB message. */
const MAX_MESSAGE = 400;

/** Results validated against this dataset's ids when given to `parseCocoResults`. */
export type CocoGroundTruthIds = Pick<CocoDataset, 'images' | 'categories'>;

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function capped(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
}

function fail(fileName: string, where: string, field: string, problem: string): never {
  throw new Error(capped(`${fileName}: ${where}.${field}: ${problem}`));
}

/** JSON with a leading byte-order mark tolerated (a file decoded elsewhere may keep U+FEFF). */
function parseJson(text: string, fileName: string): unknown {
  return parseJsonText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, fileName);
}

/** Several ids in a warning: the first few, then how many more. */
function someIds(ids: Iterable<number>, shown = 5): string {
  const list = [...ids];
  return list.length <= shown ? list.join(', ') : `${list.slice(0, shown).join(', ')} and ${list.length - shown} more`;
}

function requireInteger(value: unknown, fileName: string, where: string, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(fileName, where, field, `expected an integer, got ${describe(value)}`);
  // Beyond 2^53 distinct ids in the file become the same number here: refuse rather than merge them.
  if (!Number.isSafeInteger(value)) fail(fileName, where, field, `${value} is beyond ±2^53, where JSON numbers lose integer precision`);
  return value;
}

function requireFinite(value: unknown, fileName: string, where: string, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(fileName, where, field, `expected a finite number, got ${describe(value)}`);
  return value;
}

function requireBox(value: unknown, fileName: string, where: string): CocoBox {
  if (value === undefined) fail(fileName, where, 'bbox', 'missing');
  if (!Array.isArray(value) || value.length !== 4) fail(fileName, where, 'bbox', `expected [x, y, width, height], got ${describe(value)}`);
  const [x, y, w, h] = value as unknown[];
  if (typeof x !== 'number' || typeof y !== 'number' || typeof w !== 'number' || typeof h !== 'number'
    || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(w) || !Number.isFinite(h)) {
    // Each element described on its own (never JSON.stringify: a deeply nested value would overflow the stack).
    fail(fileName, where, 'bbox', `expected 4 finite numbers, got [${[x, y, w, h].map(describe).join(', ')}]`);
  }
  if (w < 0) fail(fileName, where, 'bbox', `width is negative (${w})`);
  if (h < 0) fail(fileName, where, 'bbox', `height is negative (${h})`);
  return [x, y, w, h];
}

function requireArray(root: Record<string, unknown>, key: string, fileName: string): unknown[] {
  const value = root[key];
  if (!Array.isArray(value)) throw new Error(capped(`${fileName}: "${key}" must be an array, got ${describe(value)}`));
  return value;
}

function requireRecord(value: unknown, fileName: string, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(capped(`${fileName}: ${where}: expected an object, got ${describe(value)}`));
  return value as Record<string, unknown>;
}

/** Parses and validates a COCO instances file (images, annotations, categories). */
export function parseCocoInstances(text: string, fileName: string): CocoDataset {
  const root = parseJson(text, fileName);
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new Error(`${fileName}: expected a COCO instances object with "images", "annotations" and "categories", got ${describe(root)}`);
  }
  const record = root as Record<string, unknown>;
  const rawImages = requireArray(record, 'images', fileName);
  // test-dev "image_info" files have images and categories only: accepted for detection, flagged for evaluation.
  const imageInfoOnly = record.annotations === undefined && Array.isArray(record.categories);
  const rawAnnotations = imageInfoOnly ? [] : requireArray(record, 'annotations', fileName);
  const rawCategories = requireArray(record, 'categories', fileName);
  const warnings: string[] = [];
  if (imageInfoOnly) warnings.push(`${fileName}: no "annotations" (an image_info file): detection runs, but there is no ground truth to evaluate against`);
  if (rawImages.length === 0) warnings.push(`${fileName}: "images" is empty: there is nothing to detect or evaluate`);

  const images: CocoImage[] = new Array(rawImages.length);
  const imageIds = new Set<number>();
  for (let i = 0; i < rawImages.length; i++) {
    const where = `images[${i}]`;
    const image = requireRecord(rawImages[i], fileName, where);
    const id = requireInteger(image.id, fileName, where, 'id');
    if (imageIds.has(id)) fail(fileName, where, 'id', `duplicate image id ${id}`);
    imageIds.add(id);
    const name = image.file_name;
    if (typeof name !== 'string') fail(fileName, where, 'file_name', `expected a string, got ${describe(name)}`);
    const width = requireFinite(image.width, fileName, where, 'width');
    const height = requireFinite(image.height, fileName, where, 'height');
    if (width <= 0) fail(fileName, where, 'width', `must be positive, got ${width}`);
    if (height <= 0) fail(fileName, where, 'height', `must be positive, got ${height}`);
    images[i] = { id, file_name: name, width, height };
  }

  const categories: CocoCategory[] = new Array(rawCategories.length);
  const categoryIds = new Set<number>();
  for (let i = 0; i < rawCategories.length; i++) {
    const where = `categories[${i}]`;
    const category = requireRecord(rawCategories[i], fileName, where);
    const id = requireInteger(category.id, fileName, where, 'id');
    if (categoryIds.has(id)) fail(fileName, where, 'id', `duplicate category id ${id}`);
    categoryIds.add(id);
    if (typeof category.name !== 'string') fail(fileName, where, 'name', `expected a string, got ${describe(category.name)}`);
    const entry: CocoCategory = { id, name: category.name };
    if (typeof category.supercategory === 'string') entry.supercategory = category.supercategory;
    categories[i] = entry;
  }

  const annotations: CocoAnnotation[] = [];
  const annotationIds = new Set<number>();
  const unknownCategories = new Map<number, number>();
  let missingArea = 0;
  let missingCrowd = 0;
  let zeroId = false;
  for (let i = 0; i < rawAnnotations.length; i++) {
    const where = `annotations[${i}]`;
    const annotation = requireRecord(rawAnnotations[i], fileName, where);
    const id = requireInteger(annotation.id, fileName, where, 'id');
    if (annotationIds.has(id)) fail(fileName, where, 'id', `duplicate annotation id ${id}`);
    annotationIds.add(id);
    if (id === 0) zeroId = true;
    const imageId = requireInteger(annotation.image_id, fileName, where, 'image_id');
    if (!imageIds.has(imageId)) fail(fileName, where, 'image_id', `unknown image_id ${imageId} (not in "images")`);
    const categoryId = requireInteger(annotation.category_id, fileName, where, 'category_id');
    const bbox = requireBox(annotation.bbox, fileName, where);
    let area: number;
    if (annotation.area === undefined) {
      missingArea++;
      area = bbox[2] * bbox[3];
    } else {
      area = requireFinite(annotation.area, fileName, where, 'area');
      if (area < 0) fail(fileName, where, 'area', `is negative (${area})`);
    }
    const crowd = annotation.iscrowd;
    let iscrowd: 0 | 1;
    if (crowd === undefined) {
      missingCrowd++;
      iscrowd = 0;
    } else if (crowd === 0 || crowd === 1 || crowd === false || crowd === true) {
      iscrowd = crowd === 1 || crowd === true ? 1 : 0;
    } else {
      fail(fileName, where, 'iscrowd', `expected 0 or 1, got ${describe(crowd)}`);
    }
    // pycocotools evaluates only the categories listed (COCOeval loads annotations by catIds): an annotation of an
    // unlisted category is never evaluated. Kept out, with a warning naming the ids, instead of failing the file.
    if (!categoryIds.has(categoryId)) {
      unknownCategories.set(categoryId, (unknownCategories.get(categoryId) ?? 0) + 1);
      continue;
    }
    annotations.push({ id, image_id: imageId, category_id: categoryId, bbox, area, iscrowd });
  }
  if (unknownCategories.size > 0) {
    const count = [...unknownCategories.values()].reduce((a, b) => a + b, 0);
    warnings.push(`${fileName}: ${count} annotations have a category_id missing from "categories" (${someIds(unknownCategories.keys())}); they are not evaluated, as in pycocotools`);
  }
  if (zeroId) {
    warnings.push(`${fileName}: an annotation has id 0; pycocotools (and so this evaluation) treats id 0 as "unmatched", so a perfect detection of it counts as a false positive: number annotations from 1`);
  }
  if (missingArea > 0) warnings.push(`${fileName}: ${missingArea} annotations have no "area"; width × height used instead`);
  if (missingCrowd > 0) warnings.push(`${fileName}: ${missingCrowd} annotations have no "iscrowd"; treated as 0`);
  return imageInfoOnly ? { images, annotations, categories, warnings, imageInfoOnly } : { images, annotations, categories, warnings };
}

/**
 * A warning when an image's decoded size differs from its COCO width/height: boxes are in the stated size, so a
 * resized dataset would silently score AP 0. Undefined when they agree.
 */
export function imageSizeMismatch(image: CocoImage, width: number, height: number): string | undefined {
  if (image.width === width && image.height === height) return undefined;
  return `images id ${image.id} (${image.file_name}) is ${width}×${height} on disk but ${image.width}×${image.height} in the annotations; ` +
    'its boxes will not line up (was the dataset resized?)';
}

/**
 * Parses and validates a COCO results file (array of {image_id, category_id, bbox, score}). With `gt`, image ids
 * must exist in it (pycocotools refuses results for images outside the ground truth); results of categories it
 * does not list are left out with a line in `warnings` when given (pycocotools never evaluates them), else refused.
 */
export function parseCocoResults(text: string, fileName: string, gt?: CocoGroundTruthIds, warnings?: string[]): CocoResult[] {
  const root = parseJson(text, fileName);
  if (!Array.isArray(root)) throw new Error(capped(`${fileName}: expected a COCO results array, got ${describe(root)}`));
  let imageIds: Set<number> | undefined;
  let categoryIds: Set<number> | undefined;
  if (gt) {
    imageIds = new Set<number>();
    for (const image of gt.images) imageIds.add(image.id);
    categoryIds = new Set<number>();
    for (const category of gt.categories) categoryIds.add(category.id);
  }
  const results: CocoResult[] = [];
  const unknownCategories = new Map<number, number>();
  for (let i = 0; i < root.length; i++) {
    const where = `[${i}]`;
    const raw = requireRecord(root[i], fileName, where);
    const imageId = requireInteger(raw.image_id, fileName, where, 'image_id');
    if (imageIds && !imageIds.has(imageId)) fail(fileName, where, 'image_id', `unknown image_id ${imageId} (not in the ground truth images)`);
    const categoryId = requireInteger(raw.category_id, fileName, where, 'category_id');
    const bbox = requireBox(raw.bbox, fileName, where);
    const score = requireFinite(raw.score, fileName, where, 'score');
    const result: CocoResult = { image_id: imageId, category_id: categoryId, bbox, score };
    // GFL Lens' own extra field (toCocoResults): the detection's index in its image's list in the run.
    if (raw.detIndex !== undefined) result.detIndex = requireInteger(raw.detIndex, fileName, where, 'detIndex');
    // A category the ground truth does not list is never evaluated by pycocotools: left out with a warning when the
    // caller collects warnings, refused otherwise (nothing may disappear unreported).
    if (categoryIds && !categoryIds.has(categoryId)) {
      if (!warnings) fail(fileName, where, 'category_id', `unknown category_id ${categoryId} (not in the ground truth categories)`);
      unknownCategories.set(categoryId, (unknownCategories.get(categoryId) ?? 0) + 1);
      continue;
    }
    results.push(result);
  }
  if (unknownCategories.size > 0) {
    const count = [...unknownCategories.values()].reduce((a, b) => a + b, 0);
    const ids = [...unknownCategories.keys()];
    // 0-based ids from a converter (0..79 instead of COCO's 1..90) are the usual cause: say so.
    const zeroBased = unknownCategories.has(0) ? ' (0-based class indices instead of category ids?)' : '';
    warnings?.push(`${fileName}: ${count} results have a category_id missing from the ground truth categories (${someIds(ids)})${zeroBased}; they are not evaluated`);
  }
  return results;
}
