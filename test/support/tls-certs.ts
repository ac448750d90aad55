/**
 * Test certificates made at test time with Debian's `openssl` (no network, nothing kept):
 * a self-signed CA; a server certificate it signs for 127.0.0.1 and localhost (SAN); one it
 * signs for another name only; and a second, unrelated CA, to show that trusting the wrong
 * CA fails. P-256 keys (fast to make).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './reference.js';

export interface TestCertificates {
  dir: string;
  /** PEM of the CA that signed the server certificates, and its path. */
  ca: string;
  caFile: string;
  /** PEM of a CA that signed nothing here. */
  otherCa: string;
  /** The server certificate for 127.0.0.1 and localhost, and its key: PEM text and paths. */
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** A certificate (and its key) the same CA signed for `other.example` only. */
  wrongName: { cert: string; key: string };
  cleanup(): void;
}

/** Runs openssl in `cwd` with the space-separated `args` (none of which holds a space). */
function openssl(cwd: string, args: string): void {
  execFileSync('openssl', args.split(' '), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';

function selfSignedCa(cwd: string, name: string): void {
  openssl(
    cwd,
    `req -x509 ${EC} -keyout ${name}.key -out ${name}.pem -days 2 -subj /CN=quiver-test-${name} ` +
      '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign',
  );
}

function serverCertificate(cwd: string, name: string, san: string, serial: number): void {
  openssl(cwd, `req ${EC} -keyout ${name}.key -out ${name}.csr -subj /CN=${name}`);
  writeFileSync(
    join(cwd, `${name}.ext`),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    cwd,
    `x509 -req -in ${name}.csr -CA ca.pem -CAkey ca.key -set_serial ${serial} -days 2 ` +
      `-extfile ${name}.ext -out ${name}.pem`,
  );
}

export function makeTestCertificates(): TestCertificates {
  const dir = tempDir('quiver-tls-test-');
  const cwd = dir.path;
  selfSignedCa(cwd, 'ca');
  selfSignedCa(cwd, 'other-ca');
  serverCertificate(cwd, 'server', 'IP:127.0.0.1,DNS:localhost', 1);
  serverCertificate(cwd, 'elsewhere', 'DNS:other.example', 2);
  const read = (f: string) => readFileSync(join(cwd, f), 'utf8');
  return {
    dir: cwd,
    ca: read('ca.pem'),
    caFile: join(cwd, 'ca.pem'),
    otherCa: read('other-ca.pem'),
    cert: read('server.pem'),
    key: read('server.key'),
    certFile: join(cwd, 'server.pem'),
    keyFile: join(cwd, 'server.key'),
    wrongName: { cert: read('elsewhere.pem'), key: read('elsewhere.key') },
    cleanup: dir.cleanup,
  };
}
