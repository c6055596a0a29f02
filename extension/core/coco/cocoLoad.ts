// COCO instances / results JSON: parse from text, validate in one pass, keep only what evaluation needs.
// Errors name the file, the array index and the field, e.g. `gt.json: annotations[12].bbox: width is negative (-3)`.
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
}

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

function fail(fileName: string, where: string, field: string, problem: string): never {
  throw new Error(`${fileName}: ${where}.${field}: ${problem}`);
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function requireInteger(value: unknown, fileName: string, where: string, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(fileName, where, field, `expected an integer, got ${describe(value)}`);
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
    fail(fileName, where, 'bbox', `expected 4 finite numbers, got ${JSON.stringify(value)}`);
  }
  if (w < 0) fail(fileName, where, 'bbox', `width is negative (${w})`);
  if (h < 0) fail(fileName, where, 'bbox', `height is negative (${h})`);
  return [x, y, w, h];
}

function requireArray(root: Record<string, unknown>, key: string, fileName: string): unknown[] {
  const value = root[key];
  if (!Array.isArray(value)) throw new Error(`${fileName}: "${key}" must be an array, got ${describe(value)}`);
  return value;
}

function requireRecord(value: unknown, fileName: string, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${fileName}: ${where}: expected an object, got ${describe(value)}`);
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
  const rawAnnotations = requireArray(record, 'annotations', fileName);
  const rawCategories = requireArray(record, 'categories', fileName);
  const warnings: string[] = [];

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

  const annotations: CocoAnnotation[] = new Array(rawAnnotations.length);
  const annotationIds = new Set<number>();
  let missingArea = 0;
  let missingCrowd = 0;
  for (let i = 0; i < rawAnnotations.length; i++) {
    const where = `annotations[${i}]`;
    const annotation = requireRecord(rawAnnotations[i], fileName, where);
    const id = requireInteger(annotation.id, fileName, where, 'id');
    if (annotationIds.has(id)) fail(fileName, where, 'id', `duplicate annotation id ${id}`);
    annotationIds.add(id);
    const imageId = requireInteger(annotation.image_id, fileName, where, 'image_id');
    if (!imageIds.has(imageId)) fail(fileName, where, 'image_id', `unknown image_id ${imageId} (not in "images")`);
    const categoryId = requireInteger(annotation.category_id, fileName, where, 'category_id');
    if (!categoryIds.has(categoryId)) fail(fileName, where, 'category_id', `unknown category_id ${categoryId} (not in "categories")`);
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
    annotations[i] = { id, image_id: imageId, category_id: categoryId, bbox, area, iscrowd };
  }
  if (missingArea > 0) warnings.push(`${fileName}: ${missingArea} annotations have no "area"; width × height used instead`);
  if (missingCrowd > 0) warnings.push(`${fileName}: ${missingCrowd} annotations have no "iscrowd"; treated as 0`);
  return { images, annotations, categories, warnings };
}

/**
 * Parses and validates a COCO results file (array of {image_id, category_id, bbox, score}). With `gt`, image and
 * category ids must exist in it (pycocotools refuses results for images outside the ground truth).
 */
export function parseCocoResults(text: string, fileName: string, gt?: CocoGroundTruthIds): CocoResult[] {
  const root = parseJson(text, fileName);
  if (!Array.isArray(root)) throw new Error(`${fileName}: expected a COCO results array, got ${describe(root)}`);
  let imageIds: Set<number> | undefined;
  let categoryIds: Set<number> | undefined;
  if (gt) {
    imageIds = new Set<number>();
    for (const image of gt.images) imageIds.add(image.id);
    categoryIds = new Set<number>();
    for (const category of gt.categories) categoryIds.add(category.id);
  }
  const results: CocoResult[] = new Array(root.length);
  for (let i = 0; i < root.length; i++) {
    const where = `[${i}]`;
    const raw = requireRecord(root[i], fileName, where);
    const imageId = requireInteger(raw.image_id, fileName, where, 'image_id');
    if (imageIds && !imageIds.has(imageId)) fail(fileName, where, 'image_id', `unknown image_id ${imageId} (not in the ground truth images)`);
    const categoryId = requireInteger(raw.category_id, fileName, where, 'category_id');
    if (categoryIds && !categoryIds.has(categoryId)) fail(fileName, where, 'category_id', `unknown category_id ${categoryId} (not in the ground truth categories)`);
    const bbox = requireBox(raw.bbox, fileName, where);
    const score = requireFinite(raw.score, fileName, where, 'score');
    const result: CocoResult = { image_id: imageId, category_id: categoryId, bbox, score };
    // GFL Lens' own extra field (toCocoResults): the detection's index in its image's list in the run.
    if (raw.detIndex !== undefined) result.detIndex = requireInteger(raw.detIndex, fileName, where, 'detIndex');
    results[i] = result;
  }
  return results;
}
