import { describe, expect, it } from 'vitest';
import { BUSY_CORES, CALM_CORES, nextDemoted, weightWrite } from './busy-demotion.js';

describe('nextDemoted', () => {
  it('marks a sandbox busy at half a CPU, not below', () => {
    expect(nextDemoted(false, BUSY_CORES)).toBe(true);
    expect(nextDemoted(false, 1)).toBe(true);
    expect(nextDemoted(false, 0.49)).toBe(false);
    expect(nextDemoted(false, 0)).toBe(false);
  });

  it('lifts the mark only below a quarter of a CPU, so a sandbox near one figure does not flip', () => {
    expect(nextDemoted(true, 0.4)).toBe(true);
    expect(nextDemoted(true, CALM_CORES)).toBe(true);
    expect(nextDemoted(true, 0.24)).toBe(false);
    expect(nextDemoted(true, 0)).toBe(false);
  });
});

describe('weightWrite', () => {
  it('gives the weight back as cpu.weight on v2', () => {
    expect(weightWrite('v2', 100)).toEqual({ file: 'cpu.weight', value: '100' });
    expect(weightWrite('v2', 250)).toEqual({ file: 'cpu.weight', value: '250' });
  });

  it('gives it back as the matching cpu.shares on v1', () => {
    expect(weightWrite('v1', 100)).toEqual({ file: 'cpu.shares', value: '1024' });
    expect(weightWrite('v1', 200)).toEqual({ file: 'cpu.shares', value: '2048' });
  });
});
