/**
 * The three parts of undici the delivery sender uses, each imported from the file that implements
 * it. The package entry (`import … from 'undici'`) also loads fetch, WebSocket, EventSource, the
 * cache stores and the mocks: about 240 KiB of every Lambda bundle that sends HTTP (measured with
 * esbuild's metafile, bench/RESULTS.md).
 */

import requestOnDispatcher from 'undici/lib/api/api-request.js';
import buildConnector from 'undici/lib/core/connect.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import type Dispatcher from 'undici/types/dispatcher';

export { Agent, buildConnector };

/** What `request` takes besides the URL: undici's request options with the dispatcher to use. */
export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher };

/**
 * undici's `request(url, { dispatcher, … })`. The package entry builds it by installing the API on
 * `Dispatcher.prototype`; without the entry the request function is called on the dispatcher itself.
 */
export function request(
  url: URL,
  { dispatcher, ...options }: RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return requestOnDispatcher.call(dispatcher, {
    ...options,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
  });
}
