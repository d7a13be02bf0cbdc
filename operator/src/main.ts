/**
 * The MECM operator process. Flags:
 *   --kubeconfig <file>       hub kubeconfig (default: $KUBECONFIG, then in-cluster)
 *   --probe-interval <secs>   how often edge hosts are probed (default 15)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { runEdgeHostReporter } from './inventory/reporter.js';
import { log } from './log.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string', default: process.env.KUBECONFIG ?? '' },
    'probe-interval': { type: 'string', default: '15' },
  },
});

const hub = new KubeConfig();
if (values.kubeconfig) hub.loadFromString(readFileSync(values.kubeconfig, 'utf8'));
else hub.loadFromCluster();

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info('Stopping', { signal });
    controller.abort();
    process.exit(0);
  });
}

log.info('Operator started', { hub: hub.getCurrentCluster()?.server });
await runEdgeHostReporter(hub, Number(values['probe-interval']) * 1000, controller.signal);
