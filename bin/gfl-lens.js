#!/usr/bin/env node
// Headless CLI entry: the same core as the extension, bundled to dist/cli.js.
require('../dist/cli.js');
