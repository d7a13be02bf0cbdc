/**
 * AppPackage (namespaced; the namespace is the tenant): a MEC application package (CSAR)
 * onboarded from the appstore or a URL, verified, parsed and distributed to edge repositories
 * by the AppPackage controller (EdgeGallery's APM).
 */
import { Type, type Static } from 'typebox';
import { CATEGORY, type CustomObject } from './group.js';
import type { CrdDefinition } from './schema/crd.js';
import { cel, enumOf, listMap, listSet } from './schema/k8s.js';
import { conditions, labelSelector, localSecretKeyRef, localSecretRef, objectName, observedGeneration, timestamp } from './schema/meta.js';

/** Condition types of an AppPackage; Ready summarises, Reconciling/Stalled are kstatus's. */
export const APP_PACKAGE_CONDITIONS = ['Downloaded', 'Verified', 'Parsed', 'RulesValid', 'Distributed', 'Ready', 'Reconciling', 'Stalled'] as const;

/** Per-host distribution states. */
export const DISTRIBUTION_STATES = ['Distributing', 'Distributed', 'Error', 'Deleting'] as const;

const httpUrl = (description: string) =>
  Type.String({ description, minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s/?#]+(/[^\\s]*)?$' });

// Ids go into URL paths, so only characters that need no escaping are allowed.
const appstoreId = (description: string) =>
  Type.String({ description, minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][-A-Za-z0-9_]*$' });

const credentials = (what: string) => localSecretRef(
  `Secret with the credentials for ${what}: key token (sent as the access_token header to an appstore, as a Bearer token otherwise), or keys username and password (HTTP basic). Absent means anonymous.`);

const Source = Type.Object({
  appstore: Type.Optional(Type.Object({
    url: httpUrl('Base URL of the EdgeGallery appstore, e.g. https://appstore.example; /mec/appstore/v1/... paths are appended.'),
    appId: appstoreId('Id of the app in the appstore.'),
    packageId: appstoreId('Id of the package (one version of the app) in the appstore.'),
    credentialsSecretRef: Type.Optional(credentials('the appstore')),
  }, { description: 'Download the package through the appstore\'s API.' })),
  http: Type.Optional(Type.Object({
    url: httpUrl('URL of the CSAR file (http or https).'),
    credentialsSecretRef: Type.Optional(credentials('the URL')),
  }, { description: 'Download the package from a plain HTTP(S) URL.' })),
}, {
  description: 'Where the package comes from: exactly one of appstore or http.',
  ...cel({
    rule: '(has(self.appstore) ? 1 : 0) + (has(self.http) ? 1 : 0) == 1',
    message: 'source needs exactly one of appstore or http: set one and remove the other',
  }),
});

const Verification = Type.Object({
  manifestHashes: Type.Optional(enumOf(['Strict', 'Warn', 'Skip'],
    'What to do when a file\'s SHA-256 differs from the manifest. Strict refuses the package (reason ManifestHashMismatch); '
    + 'Warn accepts it with Verified=False naming the files; Skip does not check. Default Warn, because packages in the wild '
    + 'often carry placeholder hashes: they still deploy, and the mismatch stays visible.',
    { default: 'Warn' })),
  signature: Type.Optional(enumOf(['Required', 'IfPresent', 'Skip'],
    'CMS signature of the manifest. Required refuses unsigned or wrongly signed packages; IfPresent checks a signature when the '
    + 'manifest has one; Skip ignores it. Required and IfPresent need trustedCASecretRef. Default Skip, as most packages are unsigned.',
    { default: 'Skip' })),
  trustedCASecretRef: Type.Optional(localSecretKeyRef('Secret holding the PEM CA bundle that signatures must chain to.', 'ca.crt')),
  rules: Type.Optional(enumOf(['Strict', 'Warn'],
    'What to do when an APPD traffic or DNS rule cannot be applied (a bad address or action, past the MEP\'s limits): Strict '
    + 'refuses the package (reason RulesInvalid); Warn accepts it with RulesValid=False listing each rule left out and why, and '
    + 'AppInstances of it do not become Ready unless they opt in (spec.rules.allowIncomplete). Default Strict when '
    + 'manifestHashes is Strict, else Warn.')),
}, {
  description: 'How strictly the package\'s integrity is checked.',
  default: {},
  ...cel({
    rule: "!has(self.signature) || self.signature == 'Skip' || has(self.trustedCASecretRef)",
    fieldPath: '.trustedCASecretRef', reason: 'FieldValueRequired',
    message: 'signature Required or IfPresent checks the signature against a CA: set trustedCASecretRef to a Secret with the CA bundle, or set signature: Skip',
  }),
});

const Distribution = Type.Object({
  hostSelector: Type.Optional(labelSelector('EdgeHosts whose labels match receive the package; {} selects every EdgeHost.')),
  hostNames: Type.Optional(Type.Array(objectName('Name of an EdgeHost.'), {
    description: 'EdgeHosts that receive the package, by name, in addition to those selected.', maxItems: 256, ...listSet(),
  })),
}, { description: 'Edge hosts whose repositories receive the package: the union of hostSelector and hostNames. An AppInstance can only run the package on a host listed here.' });

const Images = Type.Object({
  mirror: Type.Optional(enumOf(['IfReachable', 'Required', 'Skip'],
    'Copy the images listed in Image/SwImageDesc.json into each target host\'s repository. IfReachable copies those whose '
    + 'source answers and reports the others on the host\'s state; Required treats an image that cannot be copied as a '
    + 'distribution error; Skip copies none (the edge pulls them itself). Default IfReachable.',
    { default: 'IfReachable' })),
  insecureRegistries: Type.Optional(Type.Array(Type.String({
    description: 'A source registry host[:port] reached over plain HTTP.', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$',
  }), { description: 'Source registries that speak plain HTTP; all others are reached over HTTPS.', maxItems: 16, ...listSet() })),
  credentialsSecretRef: Type.Optional(localSecretRef('A kubernetes.io/dockerconfigjson Secret (key .dockerconfigjson): each source registry gets only the credentials of its own host; registries without an entry, or no Secret, mean anonymous pulls.')),
}, { description: 'How the package\'s container images reach the edge repositories.' });

/** Desired state of an AppPackage. */
export const AppPackageSpec = Type.Object({
  source: Source,
  sha256: Type.Optional(Type.String({
    description: 'Expected SHA-256 of the CSAR file, 64 lowercase hex digits; a download with another digest is refused.',
    pattern: '^[a-f0-9]{64}$',
  })),
  maxSizeBytes: Type.Optional(Type.Integer({
    description: 'Largest download accepted, in bytes; unset uses the operator\'s limit (512 MiB by default). At most 16 GiB.',
    format: 'int64', minimum: 1, maximum: 17179869184,
  })),
  verification: Type.Optional(Verification),
  distribution: Type.Optional(Distribution),
  images: Type.Optional(Images),
  suspend: Type.Optional(Type.Boolean({
    description: 'Stop reconciling: nothing is downloaded, distributed or removed until it is false again. Default false.',
    default: false,
  })),
}, { description: 'Desired state of the package: where to get it, how to check it and which edge hosts receive it.' });

const AppMetadata = Type.Object({
  name: Type.Optional(Type.String({ description: 'app_product_name from the manifest.', maxLength: 256 })),
  provider: Type.Optional(Type.String({ description: 'app_provider_id from the manifest.', maxLength: 256 })),
  version: Type.Optional(Type.String({ description: 'app_package_version from the manifest.', maxLength: 128 })),
  class: Type.Optional(enumOf(['container', 'vm'], 'app_class from the manifest: container or vm.')),
  type: Type.Optional(Type.String({ description: 'app_type from the manifest (a category such as Video or Positioning).', maxLength: 128 })),
  description: Type.Optional(Type.String({ description: 'app_package_description from the manifest.', maxLength: 4096 })),
  releaseTime: Type.Optional(Type.String({ description: 'app_release_data_time from the manifest, as written there.', maxLength: 64 })),
}, { description: 'The app as the package\'s manifest describes it.' });

const Chart = Type.Object({
  name: Type.String({ description: 'Chart name from Chart.yaml.', maxLength: 253 }),
  version: Type.Optional(Type.String({ description: 'Chart version from Chart.yaml.', maxLength: 128 })),
  digest: Type.Optional(Type.String({ description: 'Digest of the chart archive, sha256:<hex>.', maxLength: 71 })),
  reference: Type.Optional(Type.String({ description: 'OCI reference the chart is pushed under in edge repositories, relative to the repository URL.', maxLength: 1024 })),
}, { description: 'A Helm chart of the package.' });

const Image = Type.Object({
  name: Type.String({ description: 'Image name from SwImageDesc.json.', maxLength: 512 }),
  version: Type.Optional(Type.String({ description: 'Image version from SwImageDesc.json.', maxLength: 128 })),
  source: Type.Optional(Type.String({ description: 'Where the image comes from (swImage in SwImageDesc.json).', maxLength: 1024 })),
  architecture: Type.Optional(Type.String({ description: 'CPU architecture of the image, e.g. X86.', maxLength: 64 })),
}, { description: 'A software image of the package.' });

const HostDistribution = Type.Object({
  name: objectName('Name of the EdgeHost.'),
  state: enumOf(DISTRIBUTION_STATES, 'Distributing (in progress or retrying), Distributed, Error (will not succeed without a change), or Deleting (being removed from the host).'),
  message: Type.Optional(Type.String({ description: 'Detail of the state, e.g. the last error.', maxLength: 4096 })),
  lastTransitionTime: Type.Optional(timestamp('When state last changed.')),
  chartReference: Type.Optional(Type.String({ description: 'Full OCI reference of the chart in this host\'s repository, for Helm to install from.', maxLength: 2048 })),
  imagesMirrored: Type.Optional(Type.Integer({ description: 'Images copied into this host\'s repository.', minimum: 0 })),
  digest: Type.Optional(Type.String({ description: 'Package digest this state is about; a new package version distributes again.', maxLength: 71 })),
}, { description: 'Distribution of the package to one edge host.' });

/** Observed state of an AppPackage, written only by the controller. */
export const AppPackageStatus = Type.Object({
  observedGeneration: Type.Optional(observedGeneration()),
  conditions: Type.Optional(conditions(APP_PACKAGE_CONDITIONS)),
  digest: Type.Optional(Type.String({ description: 'SHA-256 of the downloaded CSAR, sha256:<hex>.', pattern: '^sha256:[a-f0-9]{64}$' })),
  sizeBytes: Type.Optional(Type.Integer({ description: 'Size of the downloaded CSAR in bytes.', format: 'int64', minimum: 0 })),
  app: Type.Optional(AppMetadata),
  charts: Type.Optional(Type.Array(Chart, { description: 'Helm charts in the package.', maxItems: 16 })),
  images: Type.Optional(Type.Array(Image, { description: 'Software images the package lists.', maxItems: 64 })),
  rules: Type.Optional(Type.Object({
    trafficRules: Type.Optional(Type.Integer({ description: 'Number of traffic rules of the APPD that can be applied.', minimum: 0 })),
    dnsRules: Type.Optional(Type.Integer({ description: 'Number of DNS rules of the APPD that can be applied.', minimum: 0 })),
    declaredTrafficRules: Type.Optional(Type.Integer({ description: 'Number of traffic rules the APPD declares (see RulesValid for those left out).', minimum: 0 })),
    declaredDnsRules: Type.Optional(Type.Integer({ description: 'Number of DNS rules the APPD declares (see RulesValid for those left out).', minimum: 0 })),
    appSupportMp1: Type.Optional(Type.Boolean({ description: 'Whether the APPD says the app uses the MEP\'s Mp1 API.' })),
  }, { description: 'What the APPD\'s app configuration asks of the MEP.' })),
  hosts: Type.Optional(Type.Array(HostDistribution, {
    description: 'Distribution state per target edge host.', maxItems: 5000, ...listMap('name'),
  })),
  distributed: Type.Optional(Type.String({ description: 'Hosts Distributed out of targets, e.g. 2/2.', maxLength: 32 })),
}, { description: 'Observed state of the package, written by the operator.' });

/** What the user declares about a package. */
export type AppPackageSpec = Static<typeof AppPackageSpec>;
/** What the operator found in and did with a package. */
export type AppPackageStatus = Static<typeof AppPackageStatus>;
/** An AppPackage object. */
export type AppPackage = CustomObject<'AppPackage', AppPackageSpec, AppPackageStatus>;

/** The AppPackage CRD. */
export const appPackageCrd: CrdDefinition = {
  kind: 'AppPackage',
  plural: 'apppackages',
  singular: 'apppackage',
  shortNames: ['apkg'],
  categories: [CATEGORY],
  scope: 'Namespaced',
  description: 'AppPackage is a MEC application package (CSAR) onboarded from the appstore or a URL. The operator downloads, verifies and parses it and pushes its charts and images to the repositories of the target edge hosts.',
  spec: AppPackageSpec,
  status: AppPackageStatus,
  printerColumns: [
    { name: 'App', type: 'string', jsonPath: '.status.app.name', description: 'App name from the manifest.' },
    { name: 'Version', type: 'string', jsonPath: '.status.app.version', description: 'Package version from the manifest.' },
    { name: 'Verified', type: 'string', jsonPath: '.status.conditions[?(@.type=="Verified")].status', description: 'Whether hashes (and signature) checked out.' },
    { name: 'Distributed', type: 'string', jsonPath: '.status.distributed', description: 'Hosts that have the package, of all targets.' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the package is usable.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the package was created.' },
  ],
};
