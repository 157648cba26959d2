// Workload (discovery.mesh.gloo.solo.io/v1): pods of one controller that run a mesh data plane.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { AppliedRef, ClusterObjectRef, ObjectRef } from '../../common/refs.ts';
import { Int64, oneOf, StringMap, UInt32 } from '../../common/scalars.ts';

export const KubernetesWorkload = z.strictObject({
  controller: ClusterObjectRef.optional(),
  podLabels: StringMap.optional(),
  serviceAccountName: z.string().optional(),
});

export const WorkloadSpec = z
  .strictObject({
    kubernetes: KubernetesWorkload.optional(),
    mesh: ObjectRef.optional(),
    appMesh: z
      .strictObject({
        virtualNodeName: z.string().optional(),
        ports: z.array(z.strictObject({ port: UInt32.optional(), protocol: z.string().optional() })).optional(),
      })
      .optional(),
  })
  .superRefine(oneOf(['kubernetes']));
export type WorkloadSpec = z.infer<typeof WorkloadSpec>;

export const WorkloadStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  appliedAccessLogRecords: z.array(AppliedRef).optional(),
  appliedWasmDeployments: z.array(AppliedRef).optional(),
  serviceDependencies: z
    .strictObject({
      appliedServiceDependencies: z
        .array(z.strictObject({ serviceDependencyRef: ObjectRef.optional(), observedGeneration: Int64.optional() }))
        .optional(),
      destinationHostnames: z.array(z.string()).optional(),
    })
    .optional(),
});
export type WorkloadStatus = z.infer<typeof WorkloadStatus>;

export const workloadKind = defineKind({
  group: 'discovery.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'Workload',
  plural: 'workloads',
  singular: 'workload',
  shortNames: [],
  scope: 'Namespaced',
  description: 'A discovered Deployment, StatefulSet or DaemonSet whose pods run a mesh data plane.',
  spec: WorkloadSpec,
  status: WorkloadStatus,
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.kubernetes.controller.clusterName' },
    { name: 'Mesh', type: 'string', jsonPath: '.spec.mesh.name' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
