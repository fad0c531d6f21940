/** Outbound HTTP to webhook destinations: the host resolver and the undici-based sender. */
import { systemHostResolver } from '#adapters/host-resolver';
import { createHttpSender } from '#adapters/http-sender';
import type { Services } from '#app/services';
import type { Config } from '#config';
import type { CompositionOptions } from './options';

/** The sender (its keep-alive sockets released by `close`) and the resolver it vets addresses with. */
export function buildOutbound(
  config: Config,
  options: CompositionOptions = {},
): Pick<Services, 'sender' | 'resolver'> & { close(): Promise<void> } {
  const resolver = options.resolver ?? systemHostResolver;
  const sender = createHttpSender({
    resolver,
    allowInsecureLocalhost: config.ALLOW_INSECURE_LOCALHOST,
    ...(options.tlsCa ? { tls: { ca: options.tlsCa } } : {}),
  });
  return { sender, resolver, close: () => sender.close() };
}
