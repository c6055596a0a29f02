// The real inference worker (dist/inferenceWorker.js), except that it exits with code 7 as soon as it is asked to
// run an image whose label contains "exit-here": a stand-in for onnxruntime aborting or the thread running out of
// memory mid-run. Its listener is registered first, so the exit happens before the real worker answers.
const path = require('node:path');
const { parentPort } = require('node:worker_threads');

parentPort.on('message', (request) => {
  if (request.kind === 'run' && /exit-here/.test(request.label)) process.exit(7);
});
require(path.resolve(__dirname, '../../../dist/inferenceWorker.js'));
