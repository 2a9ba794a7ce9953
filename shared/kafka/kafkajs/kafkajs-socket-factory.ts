/**
 * kafkajs' own socket factory plus TCP_NODELAY. kafkajs leaves Nagle's
 * algorithm on, so a small request written while an earlier one is still
 * unacknowledged can wait for that ACK; every hop of the pipeline is a small
 * produce or fetch, where that wait is pure latency. librdkafka's
 * `socket.nagle.disable` is the same switch.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** kafkajs' keep-alive delay. */
const KEEP_ALIVE_DELAY_MS = 60_000;

export const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
  socket.setNoDelay(true);
  return socket;
};
