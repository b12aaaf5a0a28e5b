// bench:profile's split of a walk into a per-exec and a per-call cost.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitCosts } from '../../bench/profile/split.js';

test('split: two walks on the line perExec + perCall × calls give both back', () => {
  const perExec = 1_250_000;
  const perCall = 4_090;
  const walk = (calls: number) => ({ calls, instructions: perExec + perCall * calls });
  const split = splitCosts(walk(86), walk(815));
  assert.equal(split.perCall, perCall);
  assert.equal(split.perExec, perExec);
});

test('split: the larger walk must make more calls', () => {
  assert.throws(() => splitCosts({ calls: 86, instructions: 2e6 }, { calls: 86, instructions: 3e6 }), /more calls/);
  assert.throws(() => splitCosts({ calls: 815, instructions: 5e6 }, { calls: 86, instructions: 2e6 }), /more calls/);
});
