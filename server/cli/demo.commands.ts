/** CLI: seed a demo-like tenant (used by benchmarks at larger sizes). */
import { seedDemo } from '../demo/seed';
import { optionalString, type CliCommand } from './command';

export const demoCommands: CliCommand[] = [
  {
    name: 'demo seed',
    usage: 'demo seed [--slug S] [--seed N] [--stores N] [--clerks N] [--customers N]',
    options: { slug: { type: 'string' }, seed: { type: 'string' }, stores: { type: 'string' }, clerks: { type: 'string' }, customers: { type: 'string' } },
    async run(services, { values }, io) {
      const stores = Number(optionalString(values, 'stores') ?? 12);
      const clerks = Number(optionalString(values, 'clerks') ?? 60);
      const ctx = await seedDemo(services, {
        seed: Number(optionalString(values, 'seed') ?? services.config.DEMO_SEED),
        slug: optionalString(values, 'slug') ?? 'demo',
        size: { regions: Math.min(5, Math.max(1, Math.ceil(stores / 4))), stores, clerks },
        customers: optionalString(values, 'customers') ? Number(optionalString(values, 'customers')) : undefined,
      });
      io.out(`Seeded tenant ${ctx.chain.brand} (${ctx.tenantId})`);
    },
  },
];
