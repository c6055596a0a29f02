// The calibration scatter's keyboard cursor reaches every point, in score (x) or IoU (y) order, with ties broken.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PointCursor } from '../../webview/lib/pointCursor.ts';

describe('scatter keyboard cursor', () => {
  // Points 0..5 (x, y); point 5 is filtered out. x order: 3 (0.1), 0 (0.2), 4 (0.2, y 0.9), 1 (0.5), 2 (0.9).
  const x = [0.2, 0.5, 0.9, 0.1, 0.2, 0.0];
  const y = [0.3, 0.1, 0.8, 0.6, 0.9, 0.0];
  const plotted = Int32Array.from([0, 1, 2, 3, 4]);

  it('steps through all points in x order with Right and back with Left, stopping at the ends', () => {
    const cursor = new PointCursor(plotted, x, y);
    assert.equal(cursor.selected, null);
    const visited = [cursor.move('ArrowRight')];
    for (let k = 0; k < 5; k++) visited.push(cursor.move('ArrowRight'));
    assert.deepEqual(visited, [3, 0, 4, 1, 2, 2]);
    assert.equal(cursor.positionInX, 5);
    assert.equal(cursor.move('ArrowLeft'), 1);
    assert.equal(cursor.move('Home'), 3);
    assert.equal(cursor.move('ArrowLeft'), 3);
    assert.equal(cursor.move('End'), 2);
  });

  it('steps in y order with Up and Down from the current point', () => {
    // y order: 1 (0.1), 0 (0.3), 3 (0.6), 2 (0.8), 4 (0.9).
    const cursor = new PointCursor(plotted, x, y);
    assert.equal(cursor.move('ArrowUp'), 1, 'the first Up starts at the lowest y');
    assert.equal(cursor.move('ArrowUp'), 0);
    assert.equal(cursor.move('ArrowUp'), 3);
    assert.equal(cursor.move('ArrowDown'), 0);
    assert.equal(cursor.positionInX, 2);
  });

  it('keeps a selection that is still plotted and drops one that is filtered out', () => {
    const cursor = new PointCursor(plotted, x, y);
    cursor.select(4);
    assert.equal(cursor.selected, 4);
    assert.equal(cursor.move('ArrowRight'), 1);
    cursor.select(5);
    assert.equal(cursor.selected, null);
    assert.equal(new PointCursor(new Int32Array(0), x, y).move('ArrowRight'), null);
  });

  it('pages by a tenth of the points', () => {
    const many = Array.from({ length: 100 }, (_, i) => i / 100);
    const cursor = new PointCursor(Int32Array.from({ length: 100 }, (_, i) => 99 - i), many, many);
    cursor.move('Home');
    assert.equal(cursor.move('PageUp'), 10);
    assert.equal(cursor.move('PageDown'), 0);
  });
});
