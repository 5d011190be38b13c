// PURE: a chart as the OCI artifact `helm push` makes (helm pkg/registry: one config blob with the
// Chart.yaml metadata as JSON, one layer with the chart archive), minus the `created` annotation,
// so that the same chart always has the same manifest digest.
import { createHash } from 'node:crypto';
import type { ChartMetadata } from './subcharts.ts';

export const MediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  helmChart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  /** What Helm before 3.8 pushed as the chart layer; Helm still pulls it. */
  legacyHelmChart: 'application/tar+gzip',
} as const;

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

export interface ChartArtifact {
  /** The tag: the chart version with `+` as `_` (OCI tags cannot hold `+`; Helm does the same). */
  tag: string;
  config: Blob;
  layer: Blob;
  manifest: Blob;
}

export const sha256Digest = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

const blob = (mediaType: string, data: Buffer): Blob => ({
  mediaType,
  digest: sha256Digest(data),
  size: data.length,
  data,
});
const descriptor = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });

export const tagOf = (version: string) => version.replaceAll('+', '_');

export function chartArtifact(metadata: ChartMetadata, archive: Buffer): ChartArtifact {
  const config = blob(MediaTypes.helmConfig, Buffer.from(JSON.stringify(metadata)));
  const layer = blob(MediaTypes.helmChart, archive);
  const annotations: Record<string, string> = {
    'org.opencontainers.image.title': metadata.name,
    'org.opencontainers.image.version': metadata.version,
  };
  if (typeof metadata.description === 'string')
    annotations['org.opencontainers.image.description'] = metadata.description;
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.manifest,
    config: descriptor(config),
    layers: [descriptor(layer)],
    annotations,
  };
  return {
    tag: tagOf(metadata.version),
    config,
    layer,
    manifest: blob(MediaTypes.manifest, Buffer.from(JSON.stringify(manifest))),
  };
}
