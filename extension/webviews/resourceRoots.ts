// Which folder a webview may load a run's image from. A run file is untrusted input: a record naming an absolute
// path or "../" must not open, say, the home folder to the webview. Pure of vscode so it can be tested.
import path from 'node:path';
import { isImageFile, resolveInsideRoot } from '../io/imageSources.ts';

/**
 * The real path of a run image and the resource root that admits it: the run's images folder when the run has
 * one (the image must really be inside it, links included), else the image file alone. A problem otherwise.
 */
export function imageResourceRoot(file: string, imagesDir: string | null): { file: string; root: string } | { problem: string } {
  const inside = resolveInsideRoot(imagesDir ?? path.dirname(file), file);
  if ('problem' in inside) return inside;
  if (!isImageFile(inside.real)) return { problem: `${inside.real} is not an image file name` };
  if (!imagesDir) return { file: inside.real, root: inside.real };
  const realDir = resolveInsideRoot(imagesDir, '.');
  return { file: inside.real, root: 'real' in realDir ? realDir.real : path.resolve(imagesDir) };
}
