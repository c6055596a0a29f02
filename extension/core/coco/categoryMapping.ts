// Model class index → dataset category id, and detections → standard COCO results.
import type { Detection } from '../types.ts';

/** The 80 COCO class names in model output order, as darknet/NanoDet/PicoDet spell them (coco.names). */
export const COCO_CLASS_NAMES: string[] = [
  'person', 'bicycle', 'car', 'motorbike', 'aeroplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
  'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'sofa',
  'pottedplant', 'bed', 'diningtable', 'toilet', 'tvmonitor', 'laptop', 'mouse', 'remote', 'keyboard',
  'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush',
];

/** The same 80 classes as the COCO instances files name their categories (only 6 spellings differ). */
export const COCO_CATEGORY_NAMES: string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
  'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
  'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard',
  'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush',
];

/** Standard COCO 80-class index → 91-id category id (the ids of instances_*2017.json; 11 ids are unused). */
export const COCO80_TO_91: number[] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34,
  35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
  64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
];

export interface CategoryRef {
  id: number;
  name: string;
}

export interface CategoryMapping {
  /** classToCategory[classIndex] = dataset category id, or null when the class has no category. */
  classToCategory: (number | null)[];
  /** Human-readable mismatches (a class without a category, ambiguous names). Empty when the mapping is complete. */
  problems: string[];
}

/** Case-, space- and underscore-insensitive key: "Potted Plant", "potted_plant" and "pottedplant" are one name. */
export function normalizeClassName(name: string): string {
  return name.toLowerCase().replace(/[\s_]+/g, '');
}

/** Whether the model's class list is the 80 COCO classes in order, in either spelling (coco.names or instances). */
export function isCoco80ClassList(classNames: readonly string[]): boolean {
  if (classNames.length !== 80) return false;
  for (let i = 0; i < 80; i++) {
    const key = normalizeClassName(classNames[i]);
    if (key !== normalizeClassName(COCO_CLASS_NAMES[i]) && key !== normalizeClassName(COCO_CATEGORY_NAMES[i])) return false;
  }
  return true;
}

/**
 * Maps model class index → dataset category id by name. Without categories an 80-class model gets the standard
 * COCO 80→91 ids; a model with the 80 COCO names also resolves the six darknet spellings (sofa, tvmonitor, …)
 * to their standard ids when the dataset has that id under the COCO name. Anything else unmatched is null and
 * reported in `problems`, never guessed.
 */
export function mapClassesToCategories(classNames: string[], categories?: CategoryRef[]): CategoryMapping {
  const problems: string[] = [];
  const coco80 = isCoco80ClassList(classNames);
  if (!categories) {
    if (classNames.length === 80) return { classToCategory: COCO80_TO_91.slice(), problems };
    problems.push(`no dataset categories given and the model has ${classNames.length} classes, not the 80 COCO classes: no category ids assigned`);
    return { classToCategory: classNames.map(() => null), problems };
  }

  const byName = new Map<string, number>();
  const ambiguous = new Set<string>();
  const byId = new Map<number, string>();
  for (const category of categories) {
    const key = normalizeClassName(category.name);
    if (byName.has(key) && byName.get(key) !== category.id) ambiguous.add(key);
    else byName.set(key, category.id);
    byId.set(category.id, key);
  }

  const classToCategory: (number | null)[] = new Array(classNames.length).fill(null);
  const takenBy = new Map<number, number>();
  for (let classIndex = 0; classIndex < classNames.length; classIndex++) {
    const key = normalizeClassName(classNames[classIndex]);
    if (ambiguous.has(key)) {
      problems.push(`class ${classIndex} "${classNames[classIndex]}": several dataset categories share this name`);
      continue;
    }
    let categoryId = byName.get(key);
    if (categoryId === undefined && coco80) {
      // Known alias only: the standard id must exist in the dataset under the standard COCO name.
      const standardId = COCO80_TO_91[classIndex];
      if (byId.get(standardId) === normalizeClassName(COCO_CATEGORY_NAMES[classIndex])) categoryId = standardId;
    }
    if (categoryId === undefined) {
      problems.push(`class ${classIndex} "${classNames[classIndex]}" has no dataset category of that name`);
      continue;
    }
    const previous = takenBy.get(categoryId);
    if (previous !== undefined) {
      problems.push(`classes ${previous} "${classNames[previous]}" and ${classIndex} "${classNames[classIndex]}" both map to category ${categoryId}`);
    }
    takenBy.set(categoryId, classIndex);
    classToCategory[classIndex] = categoryId;
  }
  return { classToCategory, problems };
}

/** One detection in the standard COCO results format (bbox = [x, y, width, height]). */
export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
  /**
   * Index of the detection in its image's Detection list, kept so matches can point back at it even when
   * unmapped classes were skipped. Not part of the COCO format (pycocotools ignores it); results loaded from a
   * file lack it and are indexed by their order within the image.
   */
  detIndex?: number;
}

/** Detections (xyxy, original pixels) → COCO results. Detections whose class maps to no category are skipped. */
export function toCocoResults(
  images: { imageId: number; detections: Detection[] }[],
  classToCategory: (number | null)[],
): CocoResult[] {
  const results: CocoResult[] = [];
  for (const image of images) {
    for (let detIndex = 0; detIndex < image.detections.length; detIndex++) {
      const detection = image.detections[detIndex];
      const categoryId = classToCategory[detection.classIndex];
      if (categoryId === null || categoryId === undefined) continue;
      const [x1, y1, x2, y2] = detection.bbox;
      results.push({ image_id: image.imageId, category_id: categoryId, bbox: [x1, y1, x2 - x1, y2 - y1], score: detection.score, detIndex });
    }
  }
  return results;
}

/** How many names of a list a message shows before "… and N more". */
const LISTED_NAMES = 100;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LISTED_NAMES).map((n) => `"${n}"`).join(', ');
  return names.length > LISTED_NAMES ? `${shown} … and ${names.length - LISTED_NAMES} more` : shown;
}

/**
 * A setup that would waste a run: no model class maps to any dataset category (every detection is left out and
 * every ground truth is a Miss). Returns the warning (both class lists and the fix) or null when some class maps.
 */
export function unmappedSetupWarning(classNames: readonly string[], categories: readonly CategoryRef[], modelFile: string, sidecarSuffix: string): { message: string; detail: string } | null {
  if (categories.length === 0 || classNames.length === 0) return null;
  const { classToCategory } = mapClassesToCategories([...classNames], [...categories]);
  if (classToCategory.some((c) => c !== null)) return null;
  return {
    message: `None of the model's ${classNames.length} classes matches one of the dataset's ${categories.length} categories: every detection would be left out and every ground truth counted as missed.`,
    detail: [
      `Model classes (${modelFile}, in output order): ${listNames(classNames)}.`,
      `Dataset categories: ${listNames(categories.map((c) => `${c.name}`))}.`,
      `Fix: give the model a profile whose "classNames" lists, in the model's output order, the dataset's category name of each class — e.g. a file "${modelFile}${sidecarSuffix}" beside the model containing {"classNames": [${categories.slice(0, 3).map((c) => JSON.stringify(c.name)).join(', ')}${categories.length > 3 ? ', …' : ''}]}, or the gflLens.profile setting. Names match case-, space- and underscore-insensitively.`,
    ].join('\n\n'),
  };
}

/**
 * One name per class: the dataset's category name wherever the class maps to a category (motorcycle, not the
 * model's "motorbike"), the model's own name where it maps to none or there is no dataset.
 */
export function classDisplayNames(classNames: readonly string[], classToCategory: readonly (number | null)[], categories: readonly CategoryRef[] | null | undefined): string[] {
  const nameOf = new Map((categories ?? []).map((c) => [c.id, c.name]));
  return classNames.map((name, classIndex) => {
    const categoryId = classToCategory[classIndex];
    return (categoryId !== null && categoryId !== undefined ? nameOf.get(categoryId) : undefined) ?? name;
  });
}
