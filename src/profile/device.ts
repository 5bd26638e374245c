import os from 'node:os';
import type { Fleet } from '../core/index.js';
import type { ProfileDevice } from './profile-types.js';

/** Cores this process may use (cgroup- and affinity-aware in Node ≥ 18.14). */
export function availableCores(): number {
  return Math.max(1, os.availableParallelism());
}

function cpuModel(): string {
  const model = os.cpus()[0]?.model ?? 'unknown-cpu';
  return model.trim().replace(/\s+/g, ' ');
}

/**
 * The measuring CPU: model name + cores + the intra-op threads the session used. Threads are
 * part of the identity because a 1-thread and a 2-thread profile of one model differ.
 */
export function cpuDevice(threads: number): ProfileDevice {
  const cores = availableCores();
  const model = cpuModel();
  return {
    kind: 'cpu',
    name: 'cpu',
    threads,
    fingerprint: `cpu/${model.replace(/[^A-Za-z0-9 ._-]/g, '')}/${cores}c/${threads}t`,
  };
}

/**
 * The thread budget of one model instance for a fleet run on this machine: the cores of the
 * spec's CPU-only node (the machine it describes), capped at what this process can use.
 */
export function threadsForFleet(fleet: Readonly<Fleet>): number {
  const cpuNode = fleet.inventory.nodes.find((n) => n.cpu !== undefined && n.gpus === undefined);
  const cores = cpuNode?.cpu?.cores ?? availableCores();
  return Math.max(1, Math.min(cores, availableCores()));
}
