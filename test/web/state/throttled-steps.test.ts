import { describe, expect, it } from 'vitest';
import { throttledSteps } from '../../../src/web/state/throttled-steps.js';
import { eventFactory, step } from '../fixtures.js';

const make = eventFactory('r1');

describe('throttledSteps', () => {
  it('shows the latest place in line of each pending step, and nothing once it started', () => {
    const events = [
      make({ type: 'step_throttled', step: 'a', adapter: 'claude', position: 3 }),
      make({ type: 'step_throttled', step: 'b', adapter: 'codex', position: 1 }),
      make({ type: 'step_throttled', step: 'a', adapter: 'claude', position: 2 }),
      make({ type: 'step_throttled', step: 'c', adapter: 'claude', position: 1 }),
      make({ type: 'step_started', step: 'c', kind: 'prompt', persona: null, attempt: 1 }),
    ];
    const steps = [step('a'), step('b', { status: 'cancelled' }), step('c', { status: 'running' })];
    expect([...throttledSteps(steps, events)]).toEqual([['a', 'waiting for the claude adapter, 1 ahead']]);
  });
});
