/**
 * The capabilities' demo steps, run in order after the chain is seeded. Each capability appends its own
 * (WeCom contacts through the simulator, orders, analytics refresh …).
 */
import type { DemoStep } from './context';
import { analyticsDemoStep } from './analytics';
import { campaignDemoStep } from './campaigns';
import { clerkDemoStep } from './clerk';
import { ordersDemoStep } from './orders';
import { wecomDemoStep } from './wecom';
import { handoverDemoStep, momentDemoStep, welcomeDemoStep } from './wecom-ops';

// The analytics step stays last: it computes over everything the steps before it created.
// Orders first (they create the demo customers with their identities), then WeCom (the simulator's contacts are
// those same customers, so the sync links instead of duplicating), then analytics over everything.
export const demoSteps: DemoStep[] = [ordersDemoStep, wecomDemoStep, welcomeDemoStep, handoverDemoStep, momentDemoStep, campaignDemoStep, clerkDemoStep, analyticsDemoStep];
