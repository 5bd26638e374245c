import type { Cluster, RepackScope, ReplicaState, ServiceState } from '../../adapt/cluster.js';
import type { ClusterSimulation } from './cluster-simulation.js';

/**
 * The `Cluster` port over a simulation, for the adapt controller: each action applies at the
 * simulation's current virtual time and resolves at once; a bad id or value rejects with the
 * simulation's coded error. The `reason` is not recorded.
 */
export function simulationCluster(sim: ClusterSimulation): Cluster {
  return {
    listServices: (): Promise<readonly ServiceState[]> => Promise.resolve(sim.services()),
    listReplicas: (service?: string): Promise<readonly ReplicaState[]> => attempt(() => sim.replicas(service)),
    restartReplica: (id: string): Promise<void> => attempt(() => sim.restartReplica(id)),
    scaleService: (service: string, replicas: number): Promise<void> => attempt(() => sim.scaleService(service, replicas)),
    setBatchSizeCap: (service: string, maxBatchSize: number): Promise<void> => attempt(() => sim.setBatchSizeCap(service, maxBatchSize)),
    setAdmissionCap: (service: string, maxRps: number | undefined): Promise<void> => attempt(() => sim.setAdmissionCap(service, maxRps)),
    repack: (scope: RepackScope): Promise<void> => attempt(() => sim.repack(scope)),
  };
}

function attempt<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
