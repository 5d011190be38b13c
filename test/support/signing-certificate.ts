// A throwaway RSA key and its self-signed certificate (openssl), as the chart generates for the
// staging registry's token server (genSelfSignedCert): the files and their PEM text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function selfSignedCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-signing-'));
  const keyPath = join(dir, 'tls.key');
  const certificatePath = join(dir, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=orkestra-staging-auth',
    ].concat(['-keyout', keyPath, '-out', certificatePath]),
    { stdio: 'ignore' },
  );
  return {
    certificatePath,
    signingKeyPem: readFileSync(keyPath, 'utf8'),
    certificatePem: readFileSync(certificatePath, 'utf8'),
  };
}
