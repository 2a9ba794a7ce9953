/**
 * One bounded look at a broker before a client library is let loose on it: connect as configured (TLS or
 * not) and send ApiVersions, which brokers answer before any SASL step. Both libraries retry a refused TLS
 * handshake or a closed connection for tens of seconds and then report something generic; this says at once,
 * in one line, which setting is wrong. SASL credentials are checked by the client's own connect (it gives up
 * on an authentication failure at once).
 */
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { KpoError } from '../errors/kpo-error.ts';
import type { KafkaSecurity } from './kafka-security.ts';
import { speaksTls } from '../net/speaks-tls.ts';

/** ApiVersions v0 (api key 18), correlation id 1, client id "kpo-check": any broker of any version answers it. */
const API_VERSIONS_V0 = (() => {
  const clientId = Buffer.from('kpo-check');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
})();

export async function checkBrokerHandshake(
  broker: string,
  security: KafkaSecurity,
  timeoutMs: number,
): Promise<void> {
  const at = broker.lastIndexOf(':');
  const host = broker.slice(0, at);
  const port = Number(broker.slice(at + 1));
  const tls = security.tls;
  const fail = (why: string, fix: string, cause?: unknown): KpoError =>
    new KpoError('KPO_KAFKA_AUTH', `Kafka at ${broker}: ${why}. Fix: ${fix}`, {
      ...(cause === undefined ? {} : { cause }),
      context: { endpoint: broker },
    });
  await new Promise<void>((resolve, reject) => {
    const socket: Socket = tls
      ? tlsConnect({
          host,
          port,
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(tls.ca ? { ca: tls.ca } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
        })
      : tcpConnect({ host, port });
    const done = (error?: KpoError): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    // No answer in time is the client's business (a slow or down broker), not a settings error.
    const timer = setTimeout(() => done(), timeoutMs);
    // Should a TLS listener wait for more bytes instead of sending its alert: when a plain request stays
    // unanswered, see whether the port completes a TLS handshake.
    if (!tls) {
      const sniffTimer = setTimeout(() => {
        void speaksTls(host, port, timeoutMs).then((isTls) => {
          if (isTls) done(plaintextToTls());
        });
      }, TLS_SNIFF_AFTER_MS);
      socket.once('close', () => clearTimeout(sniffTimer));
    }
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(API_VERSIONS_V0));
    // A TLS listener answers a plain request with a TLS alert record (content type 21, version 3.x).
    socket.once('data', (chunk: Buffer) =>
      done(!tls && chunk[0] === 0x15 && chunk[1] === 0x03 ? plaintextToTls() : undefined),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') return done(); // down: the client's own check says so
      done(tlsFailure(error, tls !== undefined, fail));
    });
    socket.once('close', () =>
      done(
        tls
          ? fail('the TLS connection closed before an answer', 'check kafka.tls against the listener')
          : plaintextToTls(),
      ),
    );
  });

  function plaintextToTls(): KpoError {
    return fail(
      'a plain Kafka request got a TLS answer or none (this is a TLS listener)',
      'set kafka.tls (env KAFKA_SSL=true, KAFKA_SSL_CA_FILE) or use the plaintext port',
    );
  }
}

/** How long a plain request may go unanswered before the port is tried with TLS. */
const TLS_SNIFF_AFTER_MS = 1_000;

function tlsFailure(
  error: NodeJS.ErrnoException,
  usingTls: boolean,
  fail: (why: string, fix: string, cause?: unknown) => KpoError,
): KpoError {
  const reason = error.message.split('\n')[0]!;
  if (!usingTls) return fail(`connection failed (${reason})`, 'check the port and kafka.tls', error);
  if (
    /certificate required|bad certificate|unknown ca|handshake failure/i.test(reason) &&
    /alert/i.test(reason)
  ) {
    return fail(
      `the broker refused our TLS client certificate (${reason})`,
      'set kafka.tls.certFile and keyFile (KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE) to a certificate the broker trusts',
      error,
    );
  }
  if (/wrong version number|packet length too long|EPROTO/i.test(`${reason} ${error.code ?? ''}`)) {
    return fail(
      `the port does not speak TLS (${reason})`,
      'drop kafka.tls for this port, or use the broker TLS listener',
      error,
    );
  }
  return fail(
    `the TLS handshake failed (${reason})`,
    "set kafka.tls.caFile (KAFKA_SSL_CA_FILE) to the CA that signed the broker's certificate",
    error,
  );
}
