// Waiting in UI tests for what the extension does asynchronously (a worker's answer, a view's refresh).
import assert from 'node:assert/strict';

/** Resolves once `condition()` holds; fails the test naming `what` when it has not within `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
