/**
 * Connect-time SSRF defence (docs/contract.md#security): every connection the HTTP client opens resolves
 * its host through the injected HostResolver, refuses the host when ANY address is forbidden, and
 * connects to an address it vetted, so a name that re-binds after the create-time check still
 * cannot reach a private address.
 */
import { isIP } from 'node:net';
import { forbiddenAddressReason, isLoopbackAddress } from '#domain/destination-policy';
import { errorCodeOf } from '#domain/error-code';
import type { HostResolver } from '#domain/ports';
import { withoutInterimResponses } from './interim-responses';
import { buildConnector } from './undici-parts';

/** A destination the policy refuses; `message` is what the attempt reports. */
export class DestinationRefusedError extends Error {
  readonly code = 'ERR_DESTINATION_REFUSED';
}

/** The resolver failed for the destination's host. */
export class DestinationUnresolvedError extends Error {
  readonly code = 'ERR_DESTINATION_UNRESOLVED';
}

export interface VettedConnectorOptions {
  resolver: HostResolver;
  allowInsecureLocalhost: boolean;
  /** Extra trusted CAs (tests); the system roots otherwise. */
  ca?: string | Buffer;
  /** undici's own connect timeout; the sender's per-attempt timeout usually fires first. */
  connectTimeoutMs?: number;
}

// Worth trying the next vetted address after these; anything else (TLS, reset) is the endpoint's answer.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Why `address` must not be connected to, or null. */
function refusalOf(address: string, allowInsecureLocalhost: boolean): string | null {
  if (allowInsecureLocalhost && isLoopbackAddress(address)) return null;
  return forbiddenAddressReason(address);
}

/** The addresses `hostname` may be reached at, all vetted; throws a Destination*Error otherwise. */
export async function vetDestination(
  hostname: string,
  resolver: HostResolver,
  allowInsecureLocalhost: boolean,
): Promise<string[]> {
  let addresses: string[];
  if (isIP(hostname) !== 0) {
    addresses = [hostname];
  } else {
    try {
      addresses = await resolver.resolve(hostname);
    } catch (error) {
      const code = errorCodeOf(error);
      const detail = code === undefined ? '' : ` (${code})`;
      throw new DestinationUnresolvedError(`could not resolve host ${hostname}${detail}`);
    }
    if (addresses.length === 0) throw new DestinationUnresolvedError(`could not resolve host ${hostname}`);
  }
  // Any forbidden address refuses the host: the OS resolver might hand out that one next time.
  for (const address of addresses) {
    const reason = refusalOf(address, allowInsecureLocalhost);
    if (reason !== null) {
      throw new DestinationRefusedError(`destination address ${address} is not allowed (${reason})`);
    }
  }
  return addresses;
}

/** An undici `connect` function that only ever dials vetted addresses. */
export function createVettedConnector(options: VettedConnectorOptions): buildConnector.connector {
  const connectToAddress = buildConnector({
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    timeout: options.connectTimeoutMs ?? 10_000,
  });

  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    // The certificate must match the name the admin configured, not the address we dial.
    const servername = connectOptions.servername || (isIP(hostname) === 0 ? hostname : undefined);

    const tryAddress = (addresses: string[], index: number): void => {
      const address = addresses[index] as string;
      connectToAddress(
        { ...connectOptions, hostname: address, ...(servername ? { servername } : {}) },
        (error, socket) => {
          const code = errorCodeOf(error) ?? '';
          if (error && index + 1 < addresses.length && UNREACHABLE_CODES.has(code)) {
            tryAddress(addresses, index + 1);
            return;
          }
          if (error || socket === null) callback(error ?? new Error('no connection'), null);
          // Interim answers (100 Continue) are hidden from undici, which would drop the connection.
          else callback(null, withoutInterimResponses(socket));
        },
      );
    };

    vetDestination(hostname, options.resolver, options.allowInsecureLocalhost).then(
      (addresses) => tryAddress(addresses, 0),
      (error: Error) => callback(error, null),
    );
  };
}
