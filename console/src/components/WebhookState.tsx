/**
 * A webhook's state in words (healthy, failing since …, circuit open until …, disabled by the
 * service …) and its 24 h success rate, for every row of the Webhooks list and the detail page.
 * Colour only repeats what the words say, so the state reads the same without it.
 */
import type { Webhook } from '../api/client';
import { count } from '../count';
import { Time } from './Json';

type Tone = 'ok' | 'bad' | 'neutral';

/** The state's tone and its words. */
export function webhookState(webhook: Webhook): { tone: Tone; label: React.ReactNode } {
  const health = webhook.health;
  if (webhook.status === 'inactive') {
    return webhook.disabledReason
      ? { tone: 'bad', label: `Disabled by the service: ${webhook.disabledReason}` }
      : { tone: 'neutral', label: 'Inactive' };
  }
  if (health?.circuitOpenUntil) {
    // Deliveries wait (they use no attempt) until the circuit lets a probe through.
    return {
      tone: 'bad',
      label: (
        <>
          Circuit open until <Time iso={health.circuitOpenUntil} />: deliveries paused after repeated failures
        </>
      ),
    };
  }
  if (health?.failingSince) {
    return {
      tone: 'bad',
      label: (
        <>
          Failing since <Time iso={health.failingSince} />
        </>
      ),
    };
  }
  if (health?.lastOutcome === 'failed') return { tone: 'bad', label: 'Failing' };
  if (!health?.lastAttemptAt) return { tone: 'neutral', label: 'No deliveries yet' };
  return { tone: 'ok', label: 'Healthy' };
}

/** "97 % of 120 attempts succeeded (24 h)", or that there were none. */
export function successRateText(webhook: Webhook): string {
  const succeeded = webhook.health?.succeeded24h ?? 0;
  const failed = webhook.health?.failed24h ?? 0;
  const total = succeeded + failed;
  if (total === 0) return 'No attempts in 24 h';
  const rate = Math.floor((succeeded / total) * 1000) / 10;
  return `${rate} % of ${count(total, 'attempt')} succeeded (24 h)`;
}

export function WebhookState({ webhook }: { webhook: Webhook }) {
  const { tone, label } = webhookState(webhook);
  return (
    <span className="state-line">
      <span className={`state state-${tone}`}>{label}</span>
      <span className="rate">{successRateText(webhook)}</span>
    </span>
  );
}
