import { stopSharedEnv } from './env.js';

/** Root hooks: whatever a test started, the run stops, pass or fail. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopSharedEnv();
  },
};
