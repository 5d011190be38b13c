import { join } from 'node:path';

/** The upstream programs the test control plane runs, each built from a pinned Go module. */
export interface Component {
  /** Folder under test/cluster/go/ holding its wrapper module (go.mod pins the version). */
  module: string;
  version: string;
  /** Go packages to build and the binary each becomes. */
  binaries: Record<string, string>;
  /**
   * Files an upstream module's //go:embed patterns expect but its module zip lacks (built web UIs):
   * the build vendors the module's dependencies into a scratch copy and adds these there.
   */
  embedPlaceholders?: Record<string, string>;
  /**
   * Files that are symlinks upstream, which module zips drop: restored in the vendored copy as
   * copies of their targets (path → target, both under the scratch module folder). Implies vendoring.
   */
  restoredSymlinks?: Record<string, string>;
  /**
   * CRDs this component serves, read from its own module at the pinned version into the chart's
   * subchart `chart` (scripts/upstream-crds.ts), which installs them beside the component.
   */
  crds?: { module: string; dir: string; chart: 'argo-crds' | 'flux-crds' };
  /**
   * The version variables upstream's release build sets with `-ldflags -X` (a plain `go build`
   * leaves e.g. Kubernetes' `v0.0.0-master+$Format:%H$`), read from `module`'s pinned version and
   * its release time. Values: {version} v1.36.3, {major} 1, {minor} 36, {date} the release time
   * (RFC 3339). The commit is unknown from a module, so upstream's commit variables stay unset.
   */
  stamp?: { module: string; variables: Record<string, string> };
}

/** Kubernetes' hack/lib/version.sh (kube::version::ldflags) sets each variable in both packages. */
const KUBERNETES_VERSION_VARIABLES = Object.fromEntries(
  ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version'].flatMap((pkg) => [
    [`${pkg}.gitVersion`, '{version}'],
    [`${pkg}.gitMajor`, '{major}'],
    [`${pkg}.gitMinor`, '{minor}'],
    [`${pkg}.buildDate`, '{date}'],
  ]),
);

export const COMPONENTS: readonly Component[] = [
  { module: 'etcd', version: 'v3.6.16', binaries: { etcd: '.' } },
  {
    module: 'kubernetes',
    version: 'v1.36.3',
    binaries: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
      // The node: kubelet and kube-proxy from the same release as the control plane.
      kubelet: 'k8s.io/kubernetes/cmd/kubelet',
      'kube-proxy': 'k8s.io/kubernetes/cmd/kube-proxy',
    },
    stamp: { module: 'k8s.io/kubernetes', variables: KUBERNETES_VERSION_VARIABLES },
  },
  {
    module: 'source-controller',
    version: 'v1.9.3',
    binaries: { 'source-controller': 'github.com/fluxcd/source-controller' },
    crds: { module: 'github.com/fluxcd/source-controller', dir: 'config/crd/bases', chart: 'flux-crds' },
  },
  {
    module: 'helm-controller',
    version: 'v1.6.4',
    binaries: { 'helm-controller': 'github.com/fluxcd/helm-controller' },
    crds: { module: 'github.com/fluxcd/helm-controller', dir: 'config/crd/bases', chart: 'flux-crds' },
  },
  {
    // The CNCF distribution registry: the OCI registry subcharts are staged to.
    module: 'registry',
    version: 'v3.1.2',
    binaries: { registry: 'github.com/distribution/distribution/v3/cmd/registry' },
  },
  {
    // Not part of the cluster: the linter a test runs on .github/workflows/.
    module: 'actionlint',
    version: 'v1.7.12',
    binaries: { actionlint: 'github.com/rhysd/actionlint/cmd/actionlint' },
  },
  {
    module: 'argo-workflows',
    version: 'v4.0.5',
    binaries: {
      'workflow-controller': 'github.com/argoproj/argo-workflows/v4/cmd/workflow-controller',
      argo: 'github.com/argoproj/argo-workflows/v4/cmd/argo',
      // Built into the argoexec image the step pods' init and wait containers run.
      argoexec: 'github.com/argoproj/argo-workflows/v4/cmd/argoexec',
    },
    // Argo's Makefile (LDFLAGS); the tree of a module is the tagged one, hence clean.
    stamp: {
      module: 'github.com/argoproj/argo-workflows/v4',
      variables: Object.fromEntries(
        Object.entries({
          version: '{version}',
          buildDate: '{date}',
          gitTag: '{version}',
          gitTreeState: 'clean',
        }).map(([name, value]) => [`github.com/argoproj/argo-workflows/v4.${name}`, value]),
      ),
    },
    // The minimal CRDs (no OpenAPI schemas beyond the top level): the full ones, 886 KB gzipped,
    // cannot be in a Helm release (its Secret holds at most 1 MiB); upstream supports both.
    crds: {
      module: 'github.com/argoproj/argo-workflows/v4',
      dir: 'manifests/base/crds/minimal',
      chart: 'argo-crds',
    },
    // The argo CLI embeds the Argo Server UI, which is built by npm in Argo's own release process.
    embedPlaceholders: {
      'vendor/github.com/argoproj/argo-workflows/v4/ui/dist/app/index.html':
        '<!-- Argo UI not built for tests -->\n',
    },
    // Upstream's signal_linux.go is a symlink to signal_darwin.go (argoexec: `undefined: Setpgid`).
    restoredSymlinks: {
      'vendor/github.com/argoproj/argo-workflows/v4/workflow/executor/osspecific/signal_linux.go':
        'vendor/github.com/argoproj/argo-workflows/v4/workflow/executor/osspecific/signal_darwin.go',
    },
  },
];

export const REPO_ROOT = join(import.meta.dirname, '../..');
export const GO_MODULES = join(REPO_ROOT, 'test/cluster/go');
/** The `-ldflags` value that stamps a component's version, as upstream's release build would. */
export function stampFlags(
  stamp: NonNullable<Component['stamp']>,
  release: { version: string; time: string },
): string {
  const [major, minor] = release.version.replace(/^v/, '').split('.');
  const values: Record<string, string> = {
    version: release.version,
    major: major ?? '',
    minor: minor ?? '',
    date: release.time.replace(/\.\d+Z$/, 'Z'),
  };
  return Object.entries(stamp.variables)
    .map(
      ([variable, template]) =>
        `-X '${variable}=${template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? '')}'`,
    )
    .join(' ');
}
