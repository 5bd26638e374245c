import type { Command } from 'commander';
import { registerValidate } from './validate.js';
import { registerSchema } from './schema.js';
import { registerProfile } from './profile.js';
import { registerHardware } from './hardware.js';
import { registerServe } from './serve.js';
import { registerBench } from './bench.js';
import { registerSimulate } from './simulate.js';
import { registerPlan } from './plan.js';
import { registerDetect } from './detect.js';
import { registerForecast } from './forecast.js';
import { registerEvents } from './events.js';
import { registerK8s } from './k8s.js';

/** Every command, in the order `tessera --help` lists them. Add a command here. */
export function registerCommands(program: Command): void {
  registerValidate(program);
  registerSchema(program);
  registerProfile(program);
  registerHardware(program);
  registerServe(program);
  registerBench(program);
  registerSimulate(program);
  registerPlan(program);
  registerDetect(program);
  registerForecast(program);
  registerEvents(program);
  registerK8s(program);
}
