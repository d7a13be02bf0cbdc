/**
 * The simulated services of `make demo`: an appstore serving the real EdgeGallery packages
 * from shared/testdata, and one MEP per edge. Prints one line of JSON with their URLs, then
 * serves until killed.   npx tsx scripts/demo-services.ts <number of edges>
 */
import { join } from 'node:path';
import { AppstoreSimulator } from '../testenv/src/appstore-simulator.js';
import { MepSimulator } from '../testenv/src/mep-simulator.js';
import { edgegalleryTestdata } from '../operator/test/support/testdata.js';

const edges = Number(process.argv[2] ?? '2');
const store = await AppstoreSimulator.start();
const testdata = edgegalleryTestdata();
await store.addPackage({ appId: 'etherpad', packageId: 'v1', name: 'etherpad', version: '1.0', provider: 'Huawei', file: join(testdata, 'etherpad.csar') });
await store.addPackage({ appId: 'posiu', packageId: 'v1', name: 'test_posiu', version: '1.0', provider: 'Huawei', file: join(testdata, 'test-posiu-apprules.csar') });
const meps = await Promise.all(Array.from({ length: edges }, () => MepSimulator.start()));
console.log(JSON.stringify({ appstore: store.url, meps: meps.map((m) => m.url) }));
const stop = async () => {
  await Promise.all([store.stop(), ...meps.map((m) => m.stop())]);
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
