/** The fan-out DLQ processor's services: the table (rejected events), nothing else. */
import type { FanOutDeadLetterServices } from '#app/fan-out-dead-letters';
import { buildBaseServices } from '#composition/base';
import type { CompositionOptions } from '#composition/options';
import { buildRejectedEventRepository, buildServiceTable } from '#composition/table';
import type { Config } from '#config';

/** Builds what the fan-out DLQ processor uses: rejected events in the table. */
export function buildFanOutDlqProcessorServices(
  config: Config,
  options: CompositionOptions = {},
): FanOutDeadLetterServices {
  return {
    ...buildBaseServices(config),
    rejectedEvents: buildRejectedEventRepository(buildServiceTable(config, options)),
  };
}
