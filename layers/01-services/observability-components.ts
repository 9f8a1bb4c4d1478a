import { Type } from '@sinclair/typebox';
import type { ComponentDefinition } from '../../platform/model/definition.js';
import { FluentBit } from './fluent-bit.js';
import { Loki, LOKI_DEFAULTS, LOKI_DURATION_PATTERN } from './loki.js';
import { PrometheusOperatorCrds } from './prometheus-operator-crds.js';
import {
  PROMETHEUS_BYTES_PATTERN,
  PROMETHEUS_DURATION_PATTERN,
  PROMETHEUS_STACK_DEFAULTS,
  PrometheusStack,
} from './prometheus-stack.js';

const str = (s: unknown): string | undefined => s as string | undefined;

/** Prometheus Operator CRDs, kube-prometheus-stack, Loki, Fluent Bit, in build order. */
export const OBSERVABILITY_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'prometheus-operator-crds',
    layer: '01-services',
    description:
      'prometheus-operator CRDs (ServiceMonitor, PrometheusRule, Prometheus…), synced by the root before layer 01 so every component can ship monitors.',
    defaultEnabled: true,
    create: (scope, p) => new PrometheusOperatorCrds(scope, 'prometheus-operator-crds', p),
  },
  {
    name: 'prometheus-stack',
    layer: '01-services',
    description: 'kube-prometheus-stack: Prometheus, Alertmanager, Prometheus Operator, kube-state-metrics, node-exporter.',
    defaultEnabled: true,
    requires: [{ component: 'prometheus-operator-crds', why: 'the chart runs with crds.enabled=false: the CRDs come from that component' }],
    settings: {
      retention: Type.Optional(
        Type.String({
          pattern: PROMETHEUS_DURATION_PATTERN,
          description: `How long Prometheus keeps samples (Prometheus duration, e.g. "7d", "36h"). Default: ${PROMETHEUS_STACK_DEFAULTS.retention}.`,
        }),
      ),
      retentionSize: Type.Optional(
        Type.String({
          pattern: PROMETHEUS_BYTES_PATTERN,
          description: 'Size at which Prometheus deletes its oldest data (e.g. "8GB", "6GiB"). Default: 80% of volumeSize.',
        }),
      ),
      volumeSize: Type.Optional(
        Type.String({
          format: 'memory-quantity',
          description: `Size of the Prometheus volume (Kubernetes quantity, e.g. "20Gi"). Default: ${PROMETHEUS_STACK_DEFAULTS.volumeSize}.`,
        }),
      ),
      storageClass: Type.Optional(
        Type.String({
          format: 'dns-subdomain',
          description: `StorageClass of the Prometheus volume. Default: ${PROMETHEUS_STACK_DEFAULTS.storageClass}.`,
        }),
      ),
      exposeUi: Type.Optional(
        Type.Boolean({
          description:
            'Route prometheus.<domain> to the Prometheus UI (it has no authentication of its own). Default: false.',
        }),
      ),
    },
    create: (scope, p) =>
      new PrometheusStack(scope, 'prometheus-stack', {
        ...p,
        retention: str(p.settings.retention),
        retentionSize: str(p.settings.retentionSize),
        volumeSize: str(p.settings.volumeSize),
        storageClass: str(p.settings.storageClass),
        exposeUi: p.settings.exposeUi as boolean | undefined,
        scrapeTargets: p.built.flatMap((c) => c.scrapeTargets.map((t) => ({ ...t, namespace: c.targetNamespace }))),
      }),
  },
  {
    name: 'loki',
    layer: '01-services',
    description: 'Loki single binary with filesystem storage: the platform log store.',
    defaultEnabled: true,
    settings: {
      retention: Type.Optional(
        Type.String({
          pattern: LOKI_DURATION_PATTERN,
          description: `How long Loki keeps logs (e.g. "168h", "14d"). Default: ${LOKI_DEFAULTS.retention}.`,
        }),
      ),
      volumeSize: Type.Optional(
        Type.String({
          format: 'memory-quantity',
          description: `Size of the Loki volume (Kubernetes quantity, e.g. "20Gi"). Default: ${LOKI_DEFAULTS.volumeSize}.`,
        }),
      ),
      storageClass: Type.Optional(
        Type.String({ format: 'dns-subdomain', description: `StorageClass of the Loki volume. Default: ${LOKI_DEFAULTS.storageClass}.` }),
      ),
    },
    create: (scope, p) =>
      new Loki(scope, 'loki', {
        ...p,
        retention: str(p.settings.retention),
        volumeSize: str(p.settings.volumeSize),
        storageClass: str(p.settings.storageClass),
      }),
  },
  {
    name: 'fluent-bit',
    layer: '01-services',
    description: 'Fluent Bit on every node, shipping container and k3s logs to Loki.',
    defaultEnabled: true,
    requires: [{ component: 'loki', why: 'Fluent Bit ships every log to Loki' }],
    create: (scope, p) => new FluentBit(scope, 'fluent-bit', p),
  },
];
