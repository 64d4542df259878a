import { createServer, request, type Server } from 'node:http';

/**
 * The dev server only issues renewable leases. This loopback proxy passes everything through
 * but marks answers from paths starting with `prefix` non-renewable, as Vault does for e.g. AWS
 * STS credentials, so the agent's non-renewable path can be counted against a real process.
 */
export async function startNonRenewableProxy(target: string, prefix: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.url?.startsWith(prefix) && answer.statusCode === 200) {
          body = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString('utf8')), renewable: false }));
        }
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'content-length': body.length });
        res.end(body);
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
