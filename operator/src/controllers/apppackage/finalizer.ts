/** Holds a deleted AppPackage until its charts are out of every edge repository that got them. */
export const finalizer = 'mecm.io/apppackage-cleanup';
