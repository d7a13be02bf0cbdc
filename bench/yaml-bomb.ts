/**
 * How fast a hostile valuesFrom document is refused: an alias bomb of a few hundred bytes that the default
 * js-yaml load plus a walk of the tree took ~20 s and ~1.5 GB for. Prints figures.
 *   npx tsx bench/yaml-bomb.ts
 */
import { loadYamlGuarded, YamlRefusedError } from '../operator/src/util/yaml.js';
import { aliasBomb } from '../operator/test/support/hostile-yaml.js';
import { figure } from './figure.js';

const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const before = rssMiB();
const times: number[] = [];
for (let i = 0; i < 20; i += 1) {
  const started = process.hrtime.bigint();
  try {
    loadYamlGuarded(aliasBomb, 'bomb');
    throw new Error('the bomb was accepted');
  } catch (error) {
    if (!(error instanceof YamlRefusedError)) throw error;
  }
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
}
times.sort((a, b) => a - b);
figure(`alias bomb of ${aliasBomb.length} bytes refused: median of 20`, times[10]!.toFixed(1), 'ms');
figure('alias bomb refused: slowest of 20', times[19]!.toFixed(1), 'ms');
figure('RSS before', before, 'MiB');
figure('RSS after', rssMiB(), 'MiB');
