import { Gauge, type Registry } from 'prom-client';

/** Whether the agent is ready, and which build is running (the usual `*_build_info` = 1 idiom). */
export function createAgentMetrics(registry: Registry, ready: () => boolean, version: string): void {
  new Gauge({
    name: 'vaultlet_ready',
    help: '1 when the agent is ready to serve its secrets (as /readyz reports), else 0.',
    registers: [registry],
    collect() {
      this.set(ready() ? 1 : 0);
    },
  });

  const buildInfo = new Gauge({
    name: 'vaultlet_build_info',
    help: 'Always 1; labels name the vaultlet version and the Node.js version running it.',
    labelNames: ['version', 'node_version'] as const,
    registers: [registry],
  });
  buildInfo.set({ version, node_version: process.version }, 1);
}
