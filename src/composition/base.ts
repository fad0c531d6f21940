/** The services every function has: configuration, the clock and id generation. */
import { ulid } from 'ulid';
import type { Services } from '#app/services';
import type { Config } from '#config';
import { systemClock } from '#domain/ports';

/** Config, clock and ids: no AWS client, nothing to close. */
export function buildBaseServices(config: Config): Pick<Services, 'config' | 'clock' | 'newId'> {
  return { config, clock: systemClock, newId: (prefix) => `${prefix}_${ulid()}` };
}
