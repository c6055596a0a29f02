// package.json's "contributes" against the ids the code defines once (extension/contributionIds.ts): a command,
// view or context key renamed on one side only would silently stop working in VS Code, so it fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  CommandId, CONFIGURATION_SECTION, ContextKey, TreeItemContext, VIEW_CONTAINER_ID, ViewId, WebviewPanelType,
} from '../../extension/contributionIds.ts';
import { IMAGE_EXTENSIONS, isImageFile } from '../../extension/io/imageSources.ts';
import { DEFAULT_SETTINGS } from '../../extension/state/detectorSettings.ts';

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

/** Every when clause in package.json: menus and welcome views. */
const whenClauses = (): string[] => [
  ...menuEntries().map(([, e]) => e.when ?? ''),
  ...(contributes.viewsWelcome as { when?: string }[]).map((v) => v.when ?? ''),
];

test('the view container, views and webview panel types are the defined ids', () => {
  assert.deepEqual((contributes.viewsContainers.activitybar as { id: string }[]).map((c) => c.id), [VIEW_CONTAINER_ID]);
  assert.deepEqual(Object.keys(contributes.views), [VIEW_CONTAINER_ID]);
  assert.deepEqual((contributes.views[VIEW_CONTAINER_ID] as { id: string }[]).map((v) => v.id).sort(), Object.values(ViewId).sort());
  const views = new Set<string>(Object.values(ViewId));
  for (const welcome of contributes.viewsWelcome as { view: string }[]) assert.ok(views.has(welcome.view), `viewsWelcome for unknown view ${welcome.view}`);
  const inWhen = whenClauses().flatMap((w) => [...w.matchAll(/\bview == ([\w.]+)/g)].map((m) => m[1]));
  assert.ok(inWhen.length > 0);
  for (const view of inWhen) assert.ok(views.has(view), `a when clause names unknown view ${view}`);
  const panels = (packageJson.activationEvents as string[]).filter((e) => e.startsWith('onWebviewPanel:')).map((e) => e.slice('onWebviewPanel:'.length));
  assert.deepEqual(panels.sort(), Object.values(WebviewPanelType).sort());
});

test('context keys in when clauses are exactly the ContextKey ids', () => {
  // Our keys are the "gflLens."-prefixed identifiers that are not views, commands or contextValues.
  const others = new Set<string>([...Object.values(ViewId), ...Object.values(CommandId), ...Object.values(TreeItemContext)]);
  const used = new Set(whenClauses().flatMap((w) => [...w.matchAll(/(?<![\w.\\])gflLens\.\w+/g)].map((m) => m[0])).filter((id) => !others.has(id)));
  assert.deepEqual([...used].sort(), Object.values(ContextKey).sort());
});

test('the Failures tree menus match exactly the TreeItemContext values, and each value is matched', () => {
  const itemMenus = (contributes.menus['view/item/context'] as MenuEntry[]);
  assert.ok(itemMenus.length >= 2);
  const anyMatched = new Set<string>();
  for (const entry of itemMenus) {
    assert.match(entry.when!, new RegExp(`\\bview == ${ViewId.Failures.replace('.', '\\.')}\\b`), `${entry.command}: not limited to the Failures view`);
    const [, source, flags] = entry.when!.match(/viewItem =~ \/(.+?)\/([a-z]*)/)!;
    const matched = Object.values(TreeItemContext).filter((value) => new RegExp(source, flags).test(value));
    // Copy Record and Reveal Image act on detections and missed boxes, never on a group.
    assert.deepEqual(matched.sort(), [TreeItemContext.FailureDetection, TreeItemContext.FailureMissed].sort(), entry.command);
    for (const value of matched) anyMatched.add(value);
  }
  assert.deepEqual([...anyMatched].sort(), Object.values(TreeItemContext).sort(), 'a contextValue that no menu uses');
});

test('the settings package.json declares are the ones the extension reads, with the same defaults', () => {
  const properties = contributes.configuration.properties as Record<string, { default: unknown }>;
  const expected = Object.fromEntries(Object.entries(DEFAULT_SETTINGS).map(([key, value]) => [`${CONFIGURATION_SECTION}.${key}`, value]));
  assert.deepEqual(Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, p.default])), expected);
  const restricted = packageJson.capabilities.untrustedWorkspaces.restrictedConfigurations as string[];
  for (const key of restricted) assert.ok(key in properties, `restrictedConfigurations names unknown setting ${key}`);
});
