// `gfl-lens` entry point (dist/cli.js): the command line itself is dist/cliMain.js (cli/main.ts); see relaunch.ts
// for where it runs.
import { launch } from './relaunch.ts';

launch();
