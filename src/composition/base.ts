/** The services every function has: its domain settings, the clock, randomness and id generation. */
import { ulid } from 'ulid';
import { systemRandom } from '#adapters/system-random';
import type { Services } from '#app/services';
import type { Config } from '#config';
import { systemClock } from '#domain/ports';
import { buildSettings, type Settings } from './settings';

/** Settings, clock, randomness and ids: no AWS client, nothing to close. */
export function buildBaseServices(config: Config): Settings & Pick<Services, 'clock' | 'newId' | 'random'> {
  return {
    ...buildSettings(config),
    clock: systemClock,
    random: systemRandom,
    newId: (prefix) => `${prefix}_${ulid()}`,
  };
}
