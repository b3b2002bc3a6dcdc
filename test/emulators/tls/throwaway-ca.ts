import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate authority made for one test run, and a server certificate it signed for the loopback names. */
export interface ThrowawayCa {
  /** PEM file of the CA: hand it to a child process as `NODE_EXTRA_CA_CERTS`. */
  readonly caPath: string;
  readonly caPem: string;
  /** Key and certificate for `https.createServer`, valid for localhost, 127.0.0.1 and ::1. */
  readonly key: string;
  readonly cert: string;
  remove(): void;
}

/**
 * Creates the CA with the openssl command-line tool (Debian's openssl package), so the product's HTTPS clients
 * verify certificates exactly as they would in production: nothing turns verification off.
 */
export function createThrowawayCa(): ThrowawayCa {
  const dir = mkdtempSync(join(tmpdir(), 'dirsync-ca-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=dirsync throwaway test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(
    path('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.pem'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-out',
    path('server.pem'),
    '-days',
    '2',
    '-extfile',
    path('server.ext'),
  );
  return {
    caPath: path('ca.pem'),
    caPem: readFileSync(path('ca.pem'), 'utf8'),
    key: readFileSync(path('server.key'), 'utf8'),
    cert: readFileSync(path('server.pem'), 'utf8'),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
