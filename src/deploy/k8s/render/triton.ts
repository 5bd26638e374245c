import type { PlanReplica, PlanService } from '../../../plan/index.js';
import type { Workload } from './workloads.js';

/*
 * Triton model configs (`config.pbtxt`, protobuf text format of model_config.proto) for users who
 * serve the plan with Triton instead of the Tessera runtime (serving-systems.md §1.1): one model
 * repository per Deployment, holding one model per service it serves. Inputs and outputs are left
 * to Triton's auto-complete for ONNX models; only what the plan decides is written.
 */

export interface TritonFile {
  readonly path: string;
  readonly content: string;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** One model's config.pbtxt from its planned replica. */
export function tritonConfig(service: PlanService, replica: PlanReplica, gpu: boolean): string {
  const b = replica.batching;
  const lines = [`name: ${quote(service.name)}`, 'platform: "onnxruntime_onnx"', `max_batch_size: ${b.maxBatchSize}`];
  if (b.policy !== 'none') {
    lines.push('dynamic_batching {');
    if (b.preferredBatchSizes !== undefined && b.preferredBatchSizes.length > 0) lines.push(`  preferred_batch_size: [ ${b.preferredBatchSizes.join(', ')} ]`);
    // Triton counts the delay in whole microseconds.
    lines.push(`  max_queue_delay_microseconds: ${Math.round(b.maxQueueDelayMs * 1000)}`);
    lines.push('}');
  }
  lines.push('instance_group [', '  {', `    count: ${Math.max(1, replica.instances)}`, `    kind: ${gpu ? 'KIND_GPU' : 'KIND_CPU'}`, '  }', ']');
  return `${lines.join('\n')}\n`;
}

export function renderTriton(w: Workload): TritonFile[] {
  const gpu = w.request.resource !== undefined;
  return w.services.flatMap((svc) => {
    const replica = w.kind === 'cold-pool' ? svc.replicas.find((r) => r.slice === w.slice.id) : w.replicas[0];
    return replica === undefined ? [] : [{ path: `triton/${w.name}/${svc.name}/config.pbtxt`, content: tritonConfig(svc, replica, gpu) }];
  });
}
