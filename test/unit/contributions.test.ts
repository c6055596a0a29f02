// package.json's "contributes" against the ids the code defines once (extension/contributionIds.ts): a command,
// view or context key renamed on one side only would silently stop working in VS Code, so it fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CommandId } from '../../extension/contributionIds.ts';
import { IMAGE_EXTENSIONS, isImageFile } from '../../extension/io/imageSources.ts';

const repo = path.resolve(__dirname, '../..');
const packageJson = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const contributes = packageJson.contributes;

interface MenuEntry { command: string; when?: string; group?: string }
const menuEntries = (): [string, MenuEntry][] =>
  Object.entries(contributes.menus as Record<string, MenuEntry[]>).flatMap(([menu, entries]) => entries.map((e): [string, MenuEntry] => [menu, e]));

test('CommandId holds exactly the commands package.json contributes', () => {
  const contributed = (contributes.commands as { command: string }[]).map((c) => c.command).sort();
  const defined = Object.values(CommandId).sort();
  assert.deepEqual(defined, contributed);
  assert.equal(new Set(defined).size, defined.length, 'no two CommandId members share an id');
});

test('every command package.json refers to (menus, welcome-view links) is a CommandId', () => {
  const known = new Set<string>(Object.values(CommandId));
  for (const [menu, entry] of menuEntries()) assert.ok(known.has(entry.command), `${menu}: ${entry.command} is not a CommandId`);
  const links = (contributes.viewsWelcome as { contents: string }[]).flatMap((v) => [...v.contents.matchAll(/\(command:(gflLens\.[\w.]+)\)/g)].map((m) => m[1]));
  assert.ok(links.length >= 5, `welcome views link ${links.length} of our commands`);
  for (const id of links) assert.ok(known.has(id), `viewsWelcome links ${id}, which is not a CommandId`);
});

test('the image menus match exactly the loaders\' image extensions, so every loadable image gets them', () => {
  const expected = `/^\\.(${IMAGE_EXTENSIONS.map((e) => e.slice(1)).join('|')})$/i`;
  const imageMenus = menuEntries().filter(([, e]) => e.command === CommandId.RunOnImage && e.when?.includes('resourceExtname'));
  assert.deepEqual(imageMenus.map(([menu]) => menu).sort(), ['commandPalette', 'editor/title', 'explorer/context']);
  for (const [menu, entry] of imageMenus) {
    const literal = entry.when!.match(/resourceExtname =~ (\/.+?\/[a-z]*)(?:\s|$)/)?.[1];
    assert.equal(literal, expected, `${menu}: write "resourceExtname =~ ${expected}" (from IMAGE_EXTENSIONS)`);
    // What VS Code evaluates: the regex against the file's extension (with its dot, in the file's own case).
    const [, source, flags] = literal!.match(/^\/(.*)\/([a-z]*)$/)!;
    const regex = new RegExp(source, flags);
    for (const ext of IMAGE_EXTENSIONS) {
      assert.ok(regex.test(ext) && regex.test(ext.toUpperCase()), `${menu}: ${ext} gets no menu`);
      assert.ok(isImageFile(`photo${ext.toUpperCase()}`), `the loaders refuse photo${ext.toUpperCase()}`);
    }
    for (const other of ['.json', '.gflrun', '.gif', '.svg', '.txt', '.jp', '.jpgx', '.tiffs', 'jpg', '']) {
      assert.ok(!regex.test(other), `${menu}: "${other}" gets an image menu`);
      assert.ok(!isImageFile(`file${other}`), `the loaders take file${other}`);
    }
  }
});
