/**
 * Certificates and credentials of the secured local stack (`up --secure`), made fresh on every start with
 * openssl into <stack home>/secure (files readable by the owner only): a CA, the broker's certificate for
 * 127.0.0.1/localhost (Kafka's and Redis' TLS ports), a client certificate for mutual TLS, and a random password
 * for the one user of Kafka SASL, Redis and the registry. Clients
 * get paths to these files, never the secrets themselves in arguments or logs.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { prerequisiteMissing } from './stack-error.ts';
import { whichOrUndefined } from './which.ts';

const run = promisify(execFile);

export interface SecureMaterial {
  readonly dir: string;
  /** PEM: the CA that signed the broker's and the client's certificates. */
  readonly caFile: string;
  /** PEM: the broker's PKCS#8 key followed by its certificate (Kafka's PEM keystore). */
  readonly brokerKeystoreFile: string;
  /** PEM: the same server certificate (127.0.0.1, localhost) and its key, for Redis' TLS port. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** PEM: the client's certificate and key, for the mutual-TLS listener. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** The user of Kafka SASL (PLAIN and SCRAM-SHA-512), Redis ACL and registry basic auth, and its password's file. */
  readonly username: string;
  readonly passwordFile: string;
}

export const SECURE_USERNAME = 'kpo';

export async function createSecureMaterial(home: string): Promise<SecureMaterial> {
  const openssl = whichOrUndefined('openssl');
  if (!openssl) throw prerequisiteMissing('--secure needs openssl on PATH', 'apt-get install openssl');
  const dir = join(home, 'secure');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(dir, name);
  const ssl = (args: string[]): Promise<unknown> => run(openssl, args, { timeout: 30_000 });
  const days = '30';

  await ssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', days, '-subj', '/CN=kpo-local-ca'].concat([
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    ]),
  );
  for (const [name, subject, extensions] of [
    ['broker', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', '/CN=kpo-client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    await ssl(
      ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', file(`${name}.key`)].concat([
        '-out',
        file(`${name}.csr`),
      ]),
    );
    writeFileSync(file(`${name}.ext`), `${extensions}\n`);
    await ssl(
      ['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key')].concat([
        '-CAcreateserial',
        '-days',
        days,
        '-extfile',
        file(`${name}.ext`),
        '-out',
        file(`${name}.pem`),
      ]),
    );
  }
  // Kafka's PEM keystore wants the PKCS#8 key first, then the certificate chain.
  await ssl(['pkcs8', '-topk8', '-nocrypt', '-in', file('broker.key'), '-out', file('broker.pk8')]);
  writeFileSync(
    file('broker-keystore.pem'),
    readFileSync(file('broker.pk8'), 'utf8') + readFileSync(file('broker.pem'), 'utf8'),
  );
  writeFileSync(file('password'), randomBytes(18).toString('base64url'));
  for (const name of [
    'ca.key',
    'broker.key',
    'broker.pk8',
    'broker-keystore.pem',
    'client.key',
    'password',
  ]) {
    chmodSync(file(name), 0o600);
  }
  return {
    dir,
    caFile: file('ca.pem'),
    brokerKeystoreFile: file('broker-keystore.pem'),
    serverCertFile: file('broker.pem'),
    serverKeyFile: file('broker.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    username: SECURE_USERNAME,
    passwordFile: file('password'),
  };
}
