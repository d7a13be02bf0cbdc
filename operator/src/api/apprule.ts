/**
 * AppRule (namespaced): the traffic and DNS rules of one app instance, held by the MEP of one
 * edge host. Usually created and owned by an AppInstance from its APPD; may be written by hand.
 * The AppRule controller (EdgeGallery's App Rule Manager) makes the MEP hold exactly the spec.
 */
import { Type, type Static } from 'typebox';
import { CATEGORY, type CustomObject } from './group.js';
import { dnsRuleList, trafficRuleList } from './rules.js';
import type { CrdDefinition } from './schema/crd.js';
import { cel } from './schema/k8s.js';
import { conditions, objectRef, observedGeneration, timestamp } from './schema/meta.js';

/** Condition types of an AppRule; Ready summarises, Reconciling/Stalled are kstatus's. */
export const APP_RULE_CONDITIONS = ['Applied', 'Ready', 'Reconciling', 'Stalled'] as const;

/** Desired state of an AppRule; the body sent to the MEP is built from appName onwards. */
export const AppRuleSpec = Type.Object({
  hostRef: objectRef('The EdgeHost whose MEP holds the rules. It cannot change.', 'Name of the EdgeHost.', {
    rule: 'self == oldSelf',
    message: 'hostRef cannot change: the rules live on one MEP. Create a new AppRule for the other host and delete this one',
  }),
  appInstanceId: Type.String({
    description: 'Id of the app instance at the MEP (the AppInstance\'s status.appInstanceId): 1–64 letters, digits and dashes. It cannot change.',
    minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$',
    ...cel({
      rule: 'self == oldSelf',
      message: 'appInstanceId cannot change: it is the key of the configuration at the MEP. Create a new AppRule and delete this one',
    }),
  }),
  appName: Type.String({ description: 'Name of the app, as the MEP records it (1–63 characters, unique per MEP: EdgeGallery\'s MEP refuses longer names and a name another instance holds).', minLength: 1, maxLength: 63 }),
  appSupportMp1: Type.Optional(Type.Boolean({
    description: 'Whether the app uses the MEP\'s Mp1 API (service registry and discovery). Default false.',
    default: false,
  })),
  appTrafficRule: Type.Optional(trafficRuleList('Traffic rules, at most 16, trafficRuleId unique.')),
  appDNSRule: Type.Optional(dnsRuleList('DNS rules, at most 32, dnsRuleId unique.')),
}, {
  description: 'Desired configuration of one app instance on one MEP.',
  ...cel({
    rule: '(has(self.appTrafficRule) && size(self.appTrafficRule) > 0) || (has(self.appDNSRule) && size(self.appDNSRule) > 0) || (has(self.appSupportMp1) && self.appSupportMp1)',
    message: 'the AppRule configures nothing: add an appTrafficRule or appDNSRule, set appSupportMp1: true, or delete the AppRule',
  }),
});

/** Observed state of an AppRule, written only by the controller. */
export const AppRuleStatus = Type.Object({
  observedGeneration: Type.Optional(observedGeneration()),
  conditions: Type.Optional(conditions(APP_RULE_CONDITIONS)),
  taskId: Type.Optional(Type.String({ description: 'Id of the MEP task of the latest apply.', maxLength: 256 })),
  configResult: Type.Optional(Type.String({ description: 'configResult of that task as the MEP reported it: PROCESSING, SUCCESS or FAILURE.', maxLength: 64 })),
  configPhase: Type.Optional(Type.String({ description: 'configPhase of that task as the MEP reported it.', maxLength: 64 })),
  mepDetail: Type.Optional(Type.String({ description: 'The MEP\'s own detail message for that task, e.g. why it failed.', maxLength: 4096 })),
  appliedDigest: Type.Optional(Type.String({ description: 'Digest (sha256:<hex>) of the configuration the MEP last confirmed; differs from the spec\'s when an update is due.', maxLength: 71 })),
  lastAppliedTime: Type.Optional(timestamp('When the MEP last confirmed the configuration.')),
  trafficRuleCount: Type.Optional(Type.Integer({ description: 'Traffic rules in the configuration the MEP last confirmed.', minimum: 0 })),
  dnsRuleCount: Type.Optional(Type.Integer({ description: 'DNS rules in the configuration the MEP last confirmed.', minimum: 0 })),
}, { description: 'Observed state of the rules at the MEP, written by the operator.' });

/** What the user (or the owning AppInstance) declares for the MEP. */
export type AppRuleSpec = Static<typeof AppRuleSpec>;
/** What the operator observed at the MEP. */
export type AppRuleStatus = Static<typeof AppRuleStatus>;
/** An AppRule object. */
export type AppRule = CustomObject<'AppRule', AppRuleSpec, AppRuleStatus>;

/** The AppRule CRD. */
export const appRuleCrd: CrdDefinition = {
  kind: 'AppRule',
  plural: 'apprules',
  singular: 'apprule',
  shortNames: ['arule'],
  categories: [CATEGORY],
  scope: 'Namespaced',
  description: 'AppRule is the traffic and DNS rule configuration of one app instance on the MEP of one edge host (ETSI MEC 010-2 AppD rules). The operator makes the MEP hold exactly this and restores it when the MEP loses it.',
  spec: AppRuleSpec,
  status: AppRuleStatus,
  printerColumns: [
    { name: 'Host', type: 'string', jsonPath: '.spec.hostRef.name', description: 'The EdgeHost whose MEP holds the rules.' },
    { name: 'AppInstance', type: 'string', jsonPath: '.spec.appInstanceId', description: 'App instance id at the MEP.' },
    { name: 'Traffic', type: 'integer', jsonPath: '.status.trafficRuleCount', description: 'Traffic rules the MEP holds.' },
    { name: 'DNS', type: 'integer', jsonPath: '.status.dnsRuleCount', description: 'DNS rules the MEP holds.' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the MEP holds the spec.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the AppRule was created.' },
  ],
  selectableFields: ['.spec.hostRef.name', '.spec.appInstanceId'],
};
