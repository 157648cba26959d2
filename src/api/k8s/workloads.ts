// The Kubernetes objects discovery reads, parsed at the boundary. Only the fields Mesh Hub uses are
// typed; everything else is kept and ignored.
import { z } from 'zod';
import { ObjectMeta } from '../meta.ts';

const Labels = z.record(z.string(), z.string());

export const Container = z.looseObject({
  name: z.string(),
  image: z.string().optional(),
  restartPolicy: z.string().optional(),
  ports: z
    .array(z.looseObject({ containerPort: z.number(), name: z.string().optional(), protocol: z.string().optional() }))
    .optional(),
});
export type Container = z.infer<typeof Container>;

export const PodSpec = z.looseObject({
  serviceAccountName: z.string().optional(),
  nodeName: z.string().optional(),
  containers: z.array(Container).default([]),
  initContainers: z.array(Container).optional(),
});
export type PodSpec = z.infer<typeof PodSpec>;

export const PodTemplate = z.looseObject({
  metadata: z.looseObject({ labels: Labels.optional(), annotations: Labels.optional() }).optional(),
  spec: PodSpec,
});

/** Deployment, ReplicaSet, StatefulSet and DaemonSet share the shape discovery needs. */
export const Controller = z.looseObject({
  kind: z.string(),
  metadata: ObjectMeta,
  spec: z.looseObject({
    replicas: z.number().int().optional(),
    selector: z.looseObject({ matchLabels: Labels.optional() }),
    template: PodTemplate,
  }),
});
export type Controller = z.infer<typeof Controller>;

export const Pod = z.looseObject({
  metadata: ObjectMeta,
  spec: PodSpec,
  status: z.looseObject({ podIP: z.string().optional(), phase: z.string().optional() }).optional(),
});
export type Pod = z.infer<typeof Pod>;

const ServicePort = z.looseObject({
  name: z.string().optional(),
  port: z.number().int(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
  targetPort: z.union([z.number().int(), z.string()]).optional(),
  nodePort: z.number().int().optional(),
});

export const Service = z.looseObject({
  metadata: ObjectMeta,
  spec: z.looseObject({
    type: z.string().optional(),
    selector: Labels.optional(),
    clusterIP: z.string().optional(),
    externalIPs: z.array(z.string()).optional(),
    ports: z.array(ServicePort).default([]),
  }),
  status: z
    .looseObject({
      loadBalancer: z
        .looseObject({
          ingress: z.array(z.looseObject({ ip: z.string().optional(), hostname: z.string().optional() })).optional(),
        })
        .optional(),
    })
    .optional(),
});
export type Service = z.infer<typeof Service>;

const TargetRef = z.looseObject({ kind: z.string().optional(), name: z.string().optional() });
const EndpointPortSchema = z.looseObject({
  name: z.string().optional(),
  port: z.number().int().optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
});

export const EndpointSlice = z.looseObject({
  metadata: ObjectMeta,
  ports: z.array(EndpointPortSchema).nullish(),
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string()),
        nodeName: z.string().optional(),
        zone: z.string().optional(),
        targetRef: TargetRef.optional(),
      }),
    )
    .nullish(),
});
export type EndpointSlice = z.infer<typeof EndpointSlice>;

export const Endpoints = z.looseObject({
  metadata: ObjectMeta,
  subsets: z
    .array(
      z.looseObject({
        addresses: z
          .array(z.looseObject({ ip: z.string(), nodeName: z.string().optional(), targetRef: TargetRef.optional() }))
          .optional(),
        ports: z.array(EndpointPortSchema).optional(),
      }),
    )
    .optional(),
});
export type Endpoints = z.infer<typeof Endpoints>;

export const ConfigMap = z.looseObject({ metadata: ObjectMeta, data: Labels.optional() });
export type ConfigMap = z.infer<typeof ConfigMap>;

export const Node = z.looseObject({
  metadata: ObjectMeta,
  status: z
    .looseObject({ addresses: z.array(z.looseObject({ type: z.string(), address: z.string() })).optional() })
    .optional(),
});
export type Node = z.infer<typeof Node>;

export const Namespace = z.looseObject({ metadata: ObjectMeta });
export type Namespace = z.infer<typeof Namespace>;
