/**
 * Types for the undici files src/adapters/undici-parts.ts imports directly. undici publishes types
 * only for its package entry; these reuse them for the files that implement those exports.
 */

declare module 'undici/lib/dispatcher/agent.js' {
  import Agent from 'undici/types/agent';
  export default Agent;
}

declare module 'undici/lib/core/connect.js' {
  import buildConnector from 'undici/types/connector';
  export default buildConnector;
}

declare module 'undici/lib/api/api-request.js' {
  import type Dispatcher from 'undici/types/dispatcher';
  /** `Dispatcher.prototype.request`, which the package entry installs and a direct import must call itself. */
  export default function request(
    this: Dispatcher,
    options: Dispatcher.RequestOptions,
  ): Promise<Dispatcher.ResponseData>;
}
