// A run file cannot widen what a webview may load: an image outside the run's images folder (absolute path, "../",
// a symbolic link out) gets no resource root; without an images folder only the image file itself is admitted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { imageResourceRoot } from '../../extension/webviews/resourceRoots.ts';

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-roots-')));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const images = path.join(dir, 'images');
fs.mkdirSync(images);
fs.writeFileSync(path.join(images, 'a.jpg'), 'x');
fs.writeFileSync(path.join(dir, 'secret.jpg'), 'x');
fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
fs.symlinkSync(path.join(dir, 'secret.jpg'), path.join(images, 'link.jpg'));

test('inside the images folder: the folder is the root', () => {
  assert.deepEqual(imageResourceRoot(path.join(images, 'a.jpg'), images), { file: path.join(images, 'a.jpg'), root: images });
});

test('an absolute path, "../" or a link leading out of the images folder: no root', () => {
  for (const file of [path.join(dir, 'secret.jpg'), path.join(images, '..', 'secret.jpg'), path.join(images, 'link.jpg'), '/etc/passwd']) {
    const allowed = imageResourceRoot(file, images);
    assert.ok('problem' in allowed, `${file} admitted`);
    assert.match(allowed.problem, /outside the images folder/);
  }
});

test('no images folder: only the image file itself, and only an image', () => {
  assert.deepEqual(imageResourceRoot(path.join(dir, 'secret.jpg'), null), { file: path.join(dir, 'secret.jpg'), root: path.join(dir, 'secret.jpg') });
  const text = imageResourceRoot(path.join(dir, 'notes.txt'), null);
  assert.ok('problem' in text && /not an image file name/.test(text.problem));
});
