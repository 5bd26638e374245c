import type { HostTensor } from './host-tensor.js';

/** What the parent gives a session worker at start. */
export interface WorkerInit {
  modelPath: string;
  intraOpNumThreads: number;
}

export type WorkerRequest =
  | { type: 'run'; id: number; feeds: Record<string, HostTensor>; outputNames?: string[] }
  | { type: 'crash' };

export type WorkerResponse =
  | { type: 'loaded'; frameworkInitMs: number; sessionCreateMs: number; inputNames: string[]; outputNames: string[]; inputMetadata: TensorMetadata[]; outputMetadata: TensorMetadata[] }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; outputs: Record<string, HostTensor>; computeMs: number }
  | { type: 'run-failed'; id: number; message: string };

/** onnxruntime's value metadata as plain data: dims are numbers when fixed, symbol names when dynamic. */
export interface TensorMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: (number | string)[];
}
