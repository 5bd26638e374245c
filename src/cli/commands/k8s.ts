import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';

interface RenderFlags {
  file: string;
  plan: string;
  out: string;
  image?: string;
  namespace?: string;
  autoscaler?: string;
  triton?: boolean;
  gpuOperatorNamespace?: string;
  prometheusUrl?: string;
  schedulerName?: string;
  gpuSharing?: string;
  json?: boolean;
}

interface ExtenderFlags {
  plan: string;
  file?: string;
  host: string;
  port: string;
  fragmentationWeight?: string;
  json?: boolean;
}

interface ApplyFlags {
  dir: string;
  kubeconfig?: string;
  context?: string;
  dryRun?: boolean;
  force?: boolean;
  fieldManager: string;
  json?: boolean;
}

export function registerK8s(program: Command): void {
  const k8s = program.command('k8s').description('Kubernetes: render a plan into manifests and MIG configs, run the scheduler extender, apply to a cluster (docs/kubernetes.md)');

  k8s
    .command('render')
    .description('write every object a platform engineer applies for a plan: Deployments, Services, PDBs, autoscalers, GPU Operator configs, node labels, monitoring')
    .requiredOption('-f, --file <fleet.yaml>', 'fleet spec the plan was made from')
    .requiredOption('--plan <plan.json>', 'a plan from `tessera plan --json`')
    .requiredOption('-o, --out <dir>', 'output folder (empty, or written by an earlier render)')
    .option('--image <ref>', 'Tessera runtime image', 'ghcr.io/tessera/runtime:0.1.0')
    .option('--namespace <ns>', 'namespace of the serving objects', 'tessera')
    .option('--autoscaler <kind>', 'keda (ScaledObject) or hpa (HorizontalPodAutoscaler v2)', 'keda')
    .option('--triton', 'also write Triton config.pbtxt files under triton/')
    .option('--gpu-operator-namespace <ns>', 'namespace of the NVIDIA GPU Operator', 'gpu-operator')
    .option('--prometheus-url <url>', 'Prometheus the KEDA trigger queries', 'http://prometheus-operated.monitoring.svc:9090')
    .option('--scheduler-name <name>', 'schedulerName for the pods (the profile that calls the Tessera extender)')
    .option('--gpu-sharing <mode>', 'how shared GPU slices are shared: time-slicing or mps', 'time-slicing')
    .option('--json', 'print what was written as JSON')
    .action(async (opts: RenderFlags) => {
      await runCommand(opts, async () => {
        const { loadFleetFile } = await import('../../core/index.js');
        const { loadPlanFile, renderPlan, writeRender } = await import('../../deploy/k8s/index.js');
        const { fleet } = loadFleetFile(opts.file);
        const plan = loadPlanFile(opts.plan);
        const result = renderPlan(fleet, plan, {
          ...(opts.image === undefined ? {} : { image: opts.image }),
          ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
          ...(opts.autoscaler === undefined ? {} : { autoscaler: opts.autoscaler as 'keda' | 'hpa' }),
          ...(opts.gpuOperatorNamespace === undefined ? {} : { gpuOperatorNamespace: opts.gpuOperatorNamespace }),
          ...(opts.prometheusUrl === undefined ? {} : { prometheusUrl: opts.prometheusUrl }),
          ...(opts.schedulerName === undefined ? {} : { schedulerName: opts.schedulerName }),
          ...(opts.gpuSharing === undefined ? {} : { gpuSharing: opts.gpuSharing as 'time-slicing' | 'mps' }),
          triton: opts.triton === true,
        });
        const { removed } = writeRender(result, opts.out);
        if (opts.json) {
          printJson({ out: opts.out, files: result.files.map((f) => f.path), objects: result.objects, kinds: result.kinds, warnings: result.warnings, removed });
        } else {
          process.stdout.write(`${opts.out}: ${result.objects.length} objects in ${result.files.length} files (${result.kinds.join(', ')})${removed.length ? `; removed ${removed.length} stale` : ''}\n`);
          for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
          process.stdout.write(`apply: kubectl apply --server-side -k ${opts.out}   (docs/kubernetes.md lists the prerequisites)\n`);
        }
        return EXIT.OK;
      });
    });

  k8s
    .command('extender')
    .description('serve the kube-scheduler extender (POST /filter, /prioritize; ExtenderArgs JSON) that scores nodes with the plan')
    .requiredOption('--plan <plan.json>', 'a plan from `tessera plan --json`')
    .option('-f, --file <fleet.yaml>', 'fleet spec: adds its placement rules and objective weights')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 picks a free one)', '8888')
    .option('--fragmentation-weight <w>', 'weight of the fragmentation term next to the plan objective weights', '0.2')
    .option('--json', 'print the address as JSON once listening')
    .action(async (opts: ExtenderFlags) => {
      await runCommand(opts, async () => {
        const core = await import('../../core/index.js');
        const { loadPlanFile, PlanScheduler, startExtenderServer } = await import('../../deploy/k8s/index.js');
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new core.TesseraError('TESSERA_ERR_K8S_OPTIONS', `--port must be 0–65535 (got '${opts.port}')`);
        const fragmentationWeight = Number(opts.fragmentationWeight ?? '0.2');
        if (!(fragmentationWeight >= 0)) throw new core.TesseraError('TESSERA_ERR_K8S_OPTIONS', `--fragmentation-weight must be a number ≥ 0 (got '${opts.fragmentationWeight}')`);
        const plan = loadPlanFile(opts.plan);
        const fleet = opts.file === undefined ? undefined : core.loadFleetFile(opts.file).fleet;
        const logger = core.createLogger({ name: 'tessera-extender' });
        const scheduler = new PlanScheduler({ plan, fleet, fragmentationWeight });
        const server = await startExtenderServer({ scheduler, host: opts.host, port, logger });
        if (opts.json) printJson({ url: server.url, weights: scheduler.weights });
        else process.stdout.write(`scheduler extender at ${server.url} (urlPrefix; verbs filter, prioritize); Ctrl-C stops\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => void server.close().then(resolve, resolve);
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        return EXIT.OK;
      });
    });

  k8s
    .command('apply')
    .description('server-side apply a rendered folder to the cluster of the current kubeconfig context')
    .requiredOption('-d, --dir <dir>', 'a folder written by `tessera k8s render`')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--dry-run', 'let the API server validate and admit without persisting')
    .option('--force', 'take over fields another field manager owns')
    .option('--field-manager <name>', 'server-side apply field manager', 'tessera')
    .option('--json', 'print what was applied as JSON')
    .action(async (opts: ApplyFlags) => {
      await runCommand(opts, async () => {
        const { readRenderedObjects, createClusterApplier } = await import('../../deploy/k8s/index.js');
        const objects = readRenderedObjects(opts.dir);
        const applier = await createClusterApplier({ kubeconfig: opts.kubeconfig, context: opts.context });
        const applied = await applier.apply(objects, { fieldManager: opts.fieldManager, dryRun: opts.dryRun === true, force: opts.force === true });
        if (opts.json) printJson({ applied });
        else process.stdout.write(`applied ${applied.length} objects${opts.dryRun ? ' (dry run)' : ''}\n`);
        return EXIT.OK;
      });
    });
}
