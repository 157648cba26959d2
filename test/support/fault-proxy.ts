// A fault-injecting TCP proxy for chaos tests: it sits between a client (the controller) and a server
// (an API server) on a loopback port and forwards bytes untouched, so TLS passes through and the
// client still verifies the server's certificate (it must name 127.0.0.1). The test switches its mode:
//   pass        forward both ways
//   reset       reset every live connection at once and every new one on accept
//   black-hole  accept, forward nothing (reads stop, so TCP back-pressure holds the peers) until healed
//   drip        forward at most `bytes` per `intervalMs` in each direction
//   http-5xx    answer every request with a 5xx: needs the server's certificate and key, because an
//               HTTP status cannot be injected into a TLS stream at TCP level; the proxy terminates
//               TLS itself and answers without forwarding (what a load balancer in front of a
//               restarting API server does); live connections are cut so every request sees the burst.
// A connection accepted while black-holed is connected upstream when the mode heals; bytes held by a
// black-hole or drip are delivered in order afterwards, as TCP retransmission would.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export type FaultMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'black-hole' }
  | { readonly kind: 'drip'; readonly bytes: number; readonly intervalMs: number }
  | { readonly kind: 'http-5xx'; readonly status: number };

export interface FaultProxyOptions {
  readonly target: { readonly host: string; readonly port: number };
  /** The upstream's serving certificate and key (PEM); only `http-5xx` needs them. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface FaultProxyStats {
  accepted: number;
  reset: number;
  bytesUp: number;
  bytesDown: number;
  errorResponses: number;
}

/** Bytes from `from` to `to`, queued so that the current mode decides how many go through. */
class Pipe {
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #proxy: FaultProxy;
  readonly #count: (n: number) => void;

  constructor(proxy: FaultProxy, from: Socket, to: Socket, count: (n: number) => void) {
    this.#proxy = proxy;
    this.#from = from;
    this.#to = to;
    this.#count = count;
    from.on('data', (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      // Back-pressure: a slow or held direction stops reading, so the sender's TCP window closes.
      if (this.#queued > 64 * 1024) from.pause();
      this.pump();
    });
    from.on('end', () => {
      this.#ended = true;
      this.pump();
    });
  }

  /** Forwards what the mode allows now; `budget` is the drip allowance of this tick. */
  pump(budget = Number.POSITIVE_INFINITY): void {
    const mode = this.#proxy.mode.kind;
    if (mode === 'black-hole' || this.#to.destroyed) return;
    let left = mode === 'drip' ? budget : Number.POSITIVE_INFINITY;
    if (mode === 'drip' && budget === Number.POSITIVE_INFINITY) left = 0; // only the ticker drips
    while (left > 0 && this.#queue.length > 0) {
      const head = this.#queue[0];
      if (head === undefined) break;
      const piece = head.length <= left ? head : head.subarray(0, left);
      if (piece.length === head.length) this.#queue.shift();
      else this.#queue[0] = head.subarray(piece.length);
      this.#queued -= piece.length;
      left -= piece.length;
      this.#count(piece.length);
      this.#to.write(piece);
    }
    if (this.#queued <= 64 * 1024 && this.#from.isPaused() && !this.#from.destroyed) this.#from.resume();
    if (this.#ended && this.#queue.length === 0) this.#to.end();
  }
}

interface Connection {
  readonly client: Socket;
  upstream?: Socket;
  pipes: Pipe[];
}

/**
 * Resets a connection (RST), or closes it when one direction has already ended: resetting a
 * half-closed socket hangs Node 24's event loop.
 */
function abort(socket: Socket): void {
  if (socket.readableEnded || socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}

export class FaultProxy {
  readonly stats: FaultProxyStats = { accepted: 0, reset: 0, bytesUp: 0, bytesDown: 0, errorResponses: 0 };
  #mode: FaultMode = { kind: 'pass' };
  readonly #server: Server;
  readonly #options: FaultProxyOptions;
  readonly #connections = new Set<Connection>();
  readonly #errorServer: HttpServer;
  #ticker: NodeJS.Timeout | undefined;
  #port = 0;

  private constructor(options: FaultProxyOptions) {
    this.#options = options;
    this.#server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      this.#accept(socket);
    });
    this.#errorServer = createHttpServer((request, response) => {
      this.stats.errorResponses += 1;
      request.resume();
      const status = this.#mode.kind === 'http-5xx' ? this.#mode.status : 503;
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'injected by the fault proxy',
        reason: 'ServiceUnavailable',
        code: status,
      });
      response.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
      response.end(body);
    });
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    proxy.#port = (proxy.#server.address() as AddressInfo).port;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** `https://127.0.0.1:<port>`: what a kubeconfig or registration should name instead of the server. */
  get url(): string {
    return `https://127.0.0.1:${String(this.#port)}`;
  }

  get mode(): FaultMode {
    return this.#mode;
  }

  get liveConnections(): number {
    return this.#connections.size;
  }

  setMode(mode: FaultMode): void {
    if (mode.kind === 'http-5xx' && this.#options.tls === undefined)
      throw new Error('the http-5xx mode needs the upstream certificate and key (tls option)');
    if (mode.kind === 'drip' && (mode.bytes < 1 || mode.intervalMs < 1))
      throw new Error('drip needs bytes >= 1 and intervalMs >= 1');
    this.#mode = mode;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    switch (mode.kind) {
      case 'reset':
      case 'http-5xx':
        this.resetAll();
        break;
      case 'drip':
        this.#ticker = setInterval(() => {
          for (const connection of this.#connections) for (const pipe of connection.pipes) pipe.pump(mode.bytes);
        }, mode.intervalMs);
        break;
      case 'pass':
      case 'black-hole':
        break;
    }
    if (mode.kind === 'pass' || mode.kind === 'drip') {
      for (const connection of [...this.#connections]) {
        if (connection.upstream === undefined) this.#connectUpstream(connection);
        else if (mode.kind === 'pass') for (const pipe of connection.pipes) pipe.pump();
      }
    }
  }

  /** Resets (TCP RST) every live connection, whatever the mode. */
  resetAll(): void {
    for (const connection of [...this.#connections]) this.#reset(connection);
  }

  async close(): Promise<void> {
    clearInterval(this.#ticker);
    this.resetAll();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  #accept(client: Socket): void {
    this.stats.accepted += 1;
    client.on('error', () => undefined);
    switch (this.#mode.kind) {
      case 'reset':
        this.stats.reset += 1;
        client.resetAndDestroy();
        return;
      case 'http-5xx':
        this.#answerWithErrors(client);
        return;
      case 'pass':
      case 'drip':
      case 'black-hole':
        break;
    }
    const connection: Connection = { client, pipes: [] };
    this.#connections.add(connection);
    client.on('close', (hadError) => {
      this.#closed(connection, hadError, connection.upstream);
    });
    // Held: nothing is read until the mode heals (the client's first bytes wait in the kernel).
    client.pause();
    if (this.#mode.kind !== 'black-hole') this.#connectUpstream(connection);
  }

  #connectUpstream(connection: Connection): void {
    const { client } = connection;
    const upstream = connect({ ...this.#options.target, noDelay: true, allowHalfOpen: true });
    connection.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', (hadError) => {
      this.#closed(connection, hadError, client);
    });
    upstream.on('connect', () => {
      connection.pipes = [
        new Pipe(this, client, upstream, (n) => (this.stats.bytesUp += n)),
        new Pipe(this, upstream, client, (n) => (this.stats.bytesDown += n)),
      ];
      client.resume();
    });
  }

  #answerWithErrors(client: Socket): void {
    const tls = this.#options.tls;
    if (tls === undefined) {
      client.destroy();
      return;
    }
    const secure = new TLSSocket(client, { isServer: true, cert: tls.cert, key: tls.key, ALPNProtocols: ['http/1.1'] });
    secure.on('error', () => {
      client.destroy();
    });
    this.#errorServer.emit('connection', secure);
  }

  #reset(connection: Connection): void {
    this.stats.reset += 1;
    this.#connections.delete(connection);
    if (!connection.client.destroyed) abort(connection.client);
    if (connection.upstream !== undefined && !connection.upstream.destroyed) abort(connection.upstream);
  }

  /** An orderly end is relayed by the pipes; a failed side (refused, reset) resets the other. */
  #closed(connection: Connection, hadError: boolean, other: Socket | undefined): void {
    if (hadError && other !== undefined && !other.destroyed) abort(other);
    if (connection.client.destroyed && (connection.upstream?.destroyed ?? true)) this.#connections.delete(connection);
    if (hadError) this.#connections.delete(connection);
  }
}
