// The chart's staging registry, rendered by the real `helm template`: token auth and the keys
// generated for it, each part given only what it needs, or none of it with a registry of one's own.
import { describe, expect, it } from 'vitest';
import { STAGING_TOKEN } from '../lib/staging-auth.ts';
import { IMAGES, render, renderWith } from './support/chart-render.ts';

describe('chart/orkestra: the staging registry', () => {
  it('stages subcharts to the registry it installs unless given a staging URL', () => {
    const own = render();
    const registry = own.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-registry');
    expect(registry?.spec.template.spec.containers[0]).toMatchObject({
      image: 'registry:3.0.0',
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    });
    expect(registry?.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(
      own.find((o) => o.kind === 'Service' && o.metadata?.name === 'orkestra-registry')?.spec.ports,
    ).toEqual([
      { name: 'registry', port: 5000, targetPort: 'registry' },
      { name: 'token', port: 5001, targetPort: 'token' },
    ]);
    const given = render('staging.url=oci://registry.example/team/staging');
    expect(given.find((o) => o.metadata?.name === 'orkestra-registry')).toBeUndefined();
    const args = given.find((o) => o.metadata?.name === 'orkestra-controller' && o.kind === 'Deployment')
      ?.spec.template.spec.containers[0].args;
    expect(args.slice(-1)).toEqual(['--staging-url=oci://registry.example/team/staging']);
    const plain = render('staging.url=oci://10.0.0.5:5000/s', 'staging.plainHttp=true');
    expect(
      plain
        .find((o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller')
        ?.spec.template.spec.containers[0].args.slice(-2),
    ).toEqual(['--staging-url=oci://10.0.0.5:5000/s', '--staging-plain-http']);
  });

  it.each([
    ['executor.image', IMAGES.slice(1)],
    ['controller.image', IMAGES.slice(0, 1)],
    ['executor.image', [...IMAGES, 'executor.image=']],
  ])('refuses to render without %s, naming it (the project publishes no images)', (value, set) => {
    expect(() => renderWith(set)).toThrow(`${value} is required: build Dockerfile.`);
  });

  it('its staging registry takes tokens only, from the token server beside it; keys generated, each part given only what it needs', () => {
    const objects = render('staging.registry.serviceIP=10.96.0.50');
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata?.name === 'orkestra-staging-auth');
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual(['credential-key', 'tls.crt', 'tls.key']);
    const certificate = Buffer.from(secret?.data?.['tls.crt'] as string, 'base64').toString('utf8');
    expect(certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(Buffer.from(secret?.data?.['credential-key'] as string, 'base64').length).toBeGreaterThanOrEqual(
      32,
    );

    const pod = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-registry')?.spec
      .template.spec;
    const [registry, tokens] = pod.containers;
    const env = Object.fromEntries(
      registry.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: 'http://10.96.0.50:5001/token',
      REGISTRY_AUTH_TOKEN_SERVICE: STAGING_TOKEN.service,
      REGISTRY_AUTH_TOKEN_ISSUER: STAGING_TOKEN.issuer,
      REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: '/etc/orkestra/staging-auth/tls.crt',
      REGISTRY_STORAGE_DELETE_ENABLED: 'false',
    });
    expect(tokens).toMatchObject({
      name: 'token-server',
      image: 'registry.example/orkestra/controller:1.2.3',
      command: expect.arrayContaining(['/app/orkestra-staging-auth.js', '--staging-path=staging']),
    });
    for (const container of pod.containers) {
      expect(container.resources.limits.memory, container.name).toBeDefined();
      expect(container.securityContext, container.name).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
    }
    const items = (volume: string) =>
      pod.volumes
        .find((v: { name: string }) => v.name === volume)
        .secret.items.map((i: { key: string }) => i.key)
        .sort();
    // The registry gets the certificate only; the token server the keys; the controller the credential key.
    expect(items('auth')).toEqual(['tls.crt']);
    expect(items('token-keys')).toEqual(['credential-key', 'tls.crt', 'tls.key']);
    expect(pod.volumes.find((v: { name: string }) => v.name === 'data').emptyDir).toEqual({
      sizeLimit: '2Gi',
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    const controller = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller',
    )?.spec.template.spec;
    expect(controller.volumes).toEqual([
      {
        name: 'staging-auth',
        secret: {
          secretName: 'orkestra-staging-auth',
          items: [{ key: 'credential-key', path: 'credential-key' }],
        },
      },
    ]);
    expect(controller.containers[0].args).toEqual(
      expect.arrayContaining([
        '--staging-url=oci://10.96.0.50:5000/staging',
        '--staging-credential-key-file=/etc/orkestra/staging-auth/credential-key',
      ]),
    );
    const service = objects.find((o) => o.kind === 'Service' && o.metadata?.name === 'orkestra-registry');
    expect(service?.spec.clusterIP).toBe('10.96.0.50');
    // Its two ports in, nothing out.
    expect(
      objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata?.name === 'orkestra-registry')?.spec,
    ).toEqual({
      podSelector: { matchLabels: service?.spec.selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          ports: [
            { port: 5000, protocol: 'TCP' },
            { port: 5001, protocol: 'TCP' },
          ],
        },
      ],
      egress: [],
    });
    expect(
      render('staging.registry.networkPolicy.enabled=false').some((o) => o.kind === 'NetworkPolicy'),
    ).toBe(false);
    // With a registry of the installer's own, no keys, no mount, no flag.
    const external = render('staging.url=oci://registry.example/team/staging');
    expect(external.some((o) => o.metadata?.name === 'orkestra-staging-auth')).toBe(false);
    const externalController = external.find(
      (o) => o.kind === 'Deployment' && o.metadata?.name === 'orkestra-controller',
    )?.spec.template.spec;
    expect(externalController.volumes).toBeUndefined();
    expect(externalController.containers[0].args.join(' ')).not.toContain('credential-key');
  });

  it('refuses to render with no staging URL and no registry of its own', () => {
    expect(() => render('staging.registry.enabled=false')).toThrow(
      /staging.url is empty and staging.registry.enabled is false/,
    );
  });
});
