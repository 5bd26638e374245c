import { z } from 'zod';
import { fleetSchema } from './schema.js';

/** The fleet spec as JSON Schema (draft 2020-12), for editor completion and external validators. */
export function fleetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(fleetSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $id: 'https://tessera.dev/schemas/fleet-v1alpha1.json', title: 'Tessera Fleet (tessera.dev/v1alpha1)', ...schema };
}
