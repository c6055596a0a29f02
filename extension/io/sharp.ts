// sharp, loaded on first use: the commands that decode or write no image (analyze --run, eval, merge, report
// --format json) do not pay its start-up (libvips, about 35 ms of every CLI call).
import type Sharp from 'sharp';

let loaded: typeof Sharp | undefined;

export function loadSharp(): typeof Sharp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (see above)
  return (loaded ??= require('sharp') as typeof Sharp);
}
