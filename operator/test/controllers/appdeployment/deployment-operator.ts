/**
 * The AppDeployment controller as an operator process of its own, for the suite that SIGKILLs
 * it: the real Manager, the Tenants' view and registerAppDeploymentController, wired as
 * controllers/register.ts wires them, authenticated as the chart's ServiceAccount. The suite
 * runs the AppPackage and AppInstance controllers in-process (startOperator), so killing this
 * process stops the rollout and nothing else.
 * Usage: tsx deployment-operator.ts <kubeconfig>
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import winston from 'winston';
import { mecmTypes } from '../../../src/api/resources.js';
import type { Tenant } from '../../../src/api/tenant.js';
import { registerAppDeploymentController } from '../../../src/controllers/appdeployment/controller.js';
import { EventRecorder } from '../../../src/runtime/events.js';
import { Manager } from '../../../src/runtime/manager.js';
import { Tenancy } from '../../../src/tenancy/tenancy.js';

const [kubeconfig] = process.argv.slice(2) as [string];
const log = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Console()] });
const hub = new KubeConfig();
hub.loadFromString(readFileSync(kubeconfig, 'utf8'));
const manager = await Manager.create({ hub, log });
const tenancy = new Tenancy(manager.informer<Tenant>(mecmTypes.tenant), true);
const events = new EventRecorder(manager.hub, 'mecm-operator', 'appdeployment-test', log);
registerAppDeploymentController(manager, { workers: 4, events, tenancy, maxWaitMs: 2000 });
await manager.start();
log.info('started');
