// The traffic generator as its own process (`meshctl demo` runs it in the background):
//   node traffic-generator-main.ts [--port N] [--host H]
// serves the demo's traffic and prints its URL on the first line of stdout.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_TRAFFIC } from './demo-traffic.ts';
import { startTrafficGenerator } from './traffic-generator.ts';

export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${values.port}" is not a port`);
  const generator = await startTrafficGenerator({ traffic: DEMO_TRAFFIC, port, host: values.host });
  process.stdout.write(`${generator.url}\n`);
  const stop = () => {
    void generator.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
