/** Name resolution through the operating system's resolver (the same one `getaddrinfo` uses). */
import { promises as dns } from 'node:dns';
import type { HostResolver } from '#domain/ports';

/** Resolves every A and AAAA address of a name, in the resolver's own order. */
export const systemHostResolver: HostResolver = {
  async resolve(hostname: string): Promise<string[]> {
    const results = await dns.lookup(hostname, { all: true, verbatim: true });
    return results.map((result) => result.address);
  },
};
