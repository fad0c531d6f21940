/** The services every function has: its domain settings, the clock and id generation. */
import { ulid } from 'ulid';
import type { Services } from '#app/services';
import type { Config } from '#config';
import { systemClock } from '#domain/ports';
import { buildSettings, type Settings } from './settings';

/** Settings, clock and ids: no AWS client, nothing to close. */
export function buildBaseServices(config: Config): Settings & Pick<Services, 'clock' | 'newId'> {
  return { ...buildSettings(config), clock: systemClock, newId: (prefix) => `${prefix}_${ulid()}` };
}
