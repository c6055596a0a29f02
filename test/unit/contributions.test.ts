// package.json's "contributes" against the ids the code defines once (extension/contributionIds.ts): a command,
// view or context key renamed on one side only would silently stop working in VS Code, so it fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CommandId } from '../../extension/contributionIds.ts';

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
