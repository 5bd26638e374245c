/*
 * Request bodies shaped exactly as kube-scheduler sends them to an extender with
 * nodeCacheCapable: false (k8s.io/kube-scheduler/extender/v1, gpu-k8s.md §5.1): ExtenderArgs with
 * PascalCase keys (the Go structs have no json tags) holding a full v1.Pod and a v1.NodeList in
 * ordinary Kubernetes JSON, as encoding/json writes them — empty TypeMeta left out of the list,
 * `NodeNames` null, quantities as strings, timestamps in RFC 3339.
 */

export interface NodeShape {
  name: string;
  labels: Record<string, string>;
  allocatable: Record<string, string>;
}

/** A v1.Node as the API server stores it for an A100 node under the GPU Operator (mixed MIG strategy). */
export function v1Node(n: NodeShape): Record<string, unknown> {
  const gpuish = Object.keys(n.allocatable).some((k) => k.startsWith('nvidia.com/'));
  return {
    metadata: {
      name: n.name,
      uid: `0b6f7f2e-${n.name.replace(/[^a-z0-9]/g, '').slice(0, 4).padEnd(4, '0')}-4c1a-9d7e-1f2a3b4c5d6e`,
      resourceVersion: '48213',
      creationTimestamp: '2026-09-01T08:00:00Z',
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': 'eu-west-1a',
        ...n.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      managedFields: [{ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: '2026-09-01T08:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } }],
    },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], ...(gpuish ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {}) },
    status: {
      capacity: { cpu: '96', 'ephemeral-storage': '1055762868Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '1056276964Ki', pods: '110', ...n.allocatable },
      allocatable: { cpu: '95500m', 'ephemeral-storage': '972991057538', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '1055150564Ki', pods: '110', ...n.allocatable },
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-09-01T09:00:00Z', lastTransitionTime: '2026-09-01T08:00:00Z', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-09-01T09:00:00Z', lastTransitionTime: '2026-09-01T08:00:10Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.1.17' },
        { type: 'Hostname', address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'ec2d3f1b6a',
        systemUUID: 'ec2d3f1b-6a7c-4e1f-8b2a-3c4d5e6f7a8b',
        bootID: '5f2a7b3c-1d4e-4f6a-9b8c-7d6e5f4a3b2c',
        kernelVersion: '6.8.0-1015-aws',
        osImage: 'Ubuntu 24.04.1 LTS',
        containerRuntimeVersion: 'containerd://1.7.22',
        kubeletVersion: 'v1.31.2',
        kubeProxyVersion: 'v1.31.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [{ names: ['ghcr.io/tessera/runtime@sha256:3f1e', 'ghcr.io/tessera/runtime:0.1.0'], sizeBytes: 812345678 }],
    },
  };
}

export interface PodShape {
  name: string;
  labels: Record<string, string>;
  /** `limits` of the one container (extended resources are given as limits). */
  limits: Record<string, string>;
  requests?: Record<string, string>;
}

/** A pending v1.Pod of a rendered Deployment, as kube-scheduler holds it when it calls the extender. */
export function v1Pod(p: PodShape): Record<string, unknown> {
  return {
    metadata: {
      name: p.name,
      generateName: `${p.name.replace(/-[a-z0-9]+$/, '')}-`,
      namespace: 'tessera',
      uid: '7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      resourceVersion: '52871',
      creationTimestamp: '2026-09-01T09:10:00Z',
      labels: { 'pod-template-hash': '6d8f9c7b5', ...p.labels },
      annotations: { 'tessera.dev/config-hash': '0fa2d27e' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.name.replace(/-[a-z0-9]+$/, ''), uid: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [{ name: 'config', configMap: { name: 'cfg', defaultMode: 420 } }],
      containers: [
        {
          name: 'runtime',
          image: 'ghcr.io/tessera/runtime:0.1.0',
          args: ['serve', '-f', '/etc/tessera/fleet.yaml', '--plan', '/etc/tessera/plan.json', '--host', '0.0.0.0', '--port', '8000'],
          ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
          resources: { limits: p.limits, requests: { ...p.limits, ...(p.requests ?? { cpu: '2', memory: '2Gi' }) } },
          volumeMounts: [{ name: 'config', readOnly: true, mountPath: '/etc/tessera' }],
          readinessProbe: { httpGet: { path: '/v2/health/ready', port: 'http', scheme: 'HTTP' }, timeoutSeconds: 2, periodSeconds: 5, successThreshold: 1, failureThreshold: 2 },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 16,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      securityContext: {},
      schedulerName: 'tessera-scheduler',
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

/** ExtenderArgs as encoding/json writes it for nodeCacheCapable: false. */
export function extenderArgs(pod: Record<string, unknown>, nodes: Record<string, unknown>[]): Record<string, unknown> {
  return { Pod: pod, Nodes: { metadata: { resourceVersion: '52880' }, items: nodes }, NodeNames: null };
}
