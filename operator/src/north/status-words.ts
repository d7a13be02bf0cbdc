/**
 * EdgeGallery's status words, read off a DeploymentState (deployment-state.ts). The appstore
 * compares them case-insensitively (shared/notes/appstore-contracts.md A3, B3, B5):
 *
 * | state             | order flow (data[].status) | experience distribution (mecHostInfo[].status) | experience instance (pods[].podstatus) |
 * |-------------------|----------------------------|------------------------------------------------|----------------------------------------|
 * | Creating          | Creating                   | Distributing                                   | Pending                                |
 * | CreateFailed      | Create Error               | Error                                          | Failed                                 |
 * | Distributing      | Distributing               | Distributing                                   | Pending                                |
 * | DistributeFailed  | Distribute Error           | Error                                          | Failed                                 |
 * | Distributed       | Distributed                | Distributed                                    | Pending                                |
 * | Instantiating     | Instantiating              | Distributed                                    | Pending                                |
 * | InstantiateFailed | Instantiate Error          | Distributed                                    | Failed                                 |
 * | Running           | Finished                   | Distributed                                    | Running                                |
 * | Terminating       | Deleting                   | Deleting                                       | Terminating                            |
 *
 * The appstore's success words are Finished (order), Distributed (distribution) and Running
 * (every pod); its failure words are Create/Distribute/Instantiate Error (order). Anything else
 * keeps it polling.
 */
import type { DeploymentState, DeploymentStateKind } from './deployment-state.js';

export type OrderWord = 'Creating' | 'Create Error' | 'Distributing' | 'Distribute Error' | 'Distributed' | 'Instantiating' | 'Instantiate Error' | 'Finished' | 'Deleting';
export type DistributionWord = 'Distributing' | 'Distributed' | 'Error' | 'Deleting';
export type PodWord = 'Pending' | 'Running' | 'Failed' | 'Terminating';

const words: Record<DeploymentStateKind, readonly [OrderWord, DistributionWord, PodWord]> = {
  Creating: ['Creating', 'Distributing', 'Pending'],
  CreateFailed: ['Create Error', 'Error', 'Failed'],
  Distributing: ['Distributing', 'Distributing', 'Pending'],
  DistributeFailed: ['Distribute Error', 'Error', 'Failed'],
  Distributed: ['Distributed', 'Distributed', 'Pending'],
  Instantiating: ['Instantiating', 'Distributed', 'Pending'],
  InstantiateFailed: ['Instantiate Error', 'Distributed', 'Failed'],
  Running: ['Finished', 'Distributed', 'Running'],
  Terminating: ['Deleting', 'Deleting', 'Terminating'],
};

export const orderWord = (s: DeploymentState): OrderWord => words[s.kind][0];
export const distributionWord = (s: DeploymentState): DistributionWord => words[s.kind][1];
export const podWord = (s: DeploymentState): PodWord => words[s.kind][2];

/** The failure message of a failed state, for the answers' message/error fields. */
export function failureOf(s: DeploymentState): string | undefined {
  return 'message' in s ? s.message : undefined;
}
