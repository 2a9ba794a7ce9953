/** Whether a port is a TLS listener: the question behind "plaintext to a TLS port" errors of every client. */
import { connect as tlsConnect } from 'node:tls';

/** True when host:port completes a TLS handshake (whatever its certificate). */
export function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false });
    const end = (isTls: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isTls);
    };
    const timer = setTimeout(() => end(false), timeoutMs);
    socket.once('secureConnect', () => end(true));
    socket.once('error', () => end(false));
    socket.once('close', () => end(false));
  });
}
