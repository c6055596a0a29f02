// Reading text inputs (COCO JSON, profiles) with errors that name the file, its role and the reason. Only regular
// files are read (see safeRead.ts); UTF-8 with or without a byte-order mark and UTF-16 with one are decoded.
import { readTextInput, readTextInputSync } from './safeRead.ts';

export async function readTextFile(file: string, role = 'file'): Promise<string> {
  return readTextInput(file, role);
}

export function readTextFileSync(file: string, role = 'file'): string {
  return readTextInputSync(file, role);
}
