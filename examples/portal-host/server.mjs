// The platform's side of the tenant portal: serves host.html and mints a link for the signed-in tenant.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';

const api = process.env.WEBHOOKS_API ?? 'http://127.0.0.1:3000'; // where chat-webhooks runs
const platformToken = process.env.PLATFORM_TOKEN; // one of the service's PLATFORM_TOKENS
const page = await readFile(new URL('./host.html', import.meta.url));

const server = createServer(async (request, response) => {
  if (request.method === 'POST' && request.url === '/portal-link') {
    // In a real admin app the tenant, its brands and what it may do come from the signed-in user.
    const minted = await fetch(`${api}/v1/portal-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platformToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId: process.env.TENANT_ID ?? 'default',
        capabilities: (process.env.CAPABILITIES ?? 'read,manage').split(','),
        expiresIn: 300,
      }),
    });
    response.writeHead(minted.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(await minted.text());
    return;
  }
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
});
server.listen(Number(process.env.PORT ?? 3117), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`host page on http://${address}:${port}/`);
});
