/**
 * The capabilities' demo steps, run in order after the chain is seeded. Each capability appends its own
 * (WeCom contacts through the simulator, orders, analytics refresh …).
 */
import type { DemoStep } from './seed';

export const demoSteps: DemoStep[] = [];
