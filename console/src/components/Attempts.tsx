/** The attempts of a delivery or failure log: when, what came back, how long it took. */
import type { DeliveryAttempt, FailureLogAttempt } from '../api/client';
import { Json, Preformatted, Time } from './Json';

export function Attempts({ attempts }: { attempts: ReadonlyArray<DeliveryAttempt | FailureLogAttempt> }) {
  return (
    <section aria-labelledby="attempts-heading" className="card">
      <h2 id="attempts-heading">Attempts</h2>
      {attempts.length === 0 ? (
        <p>No attempt yet.</p>
      ) : (
        <ol className="attempts">
          {attempts.map((attempt, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: attempts are append-only; the number is the attempt's identity.
            <li key={index}>
              <h3>
                Attempt {index + 1}:{' '}
                {attempt.statusCode ? `HTTP ${attempt.statusCode}` : (attempt.error ?? 'no answer')}
              </h3>
              <p className="meta">
                <Time iso={attempt.at} />
                {attempt.host !== undefined ? ` · to ${attempt.host}` : ''} · {attempt.durationMs} ms
                {attempt.statusCode && attempt.error ? ` · ${attempt.error}` : ''}
              </p>
              {'requestHeaders' in attempt && (
                <details>
                  <summary>Request headers of attempt {index + 1}</summary>
                  <Json value={attempt.requestHeaders} label={`Request headers of attempt ${index + 1}`} />
                </details>
              )}
              {attempt.responseSnippet !== undefined && (
                <details>
                  <summary>Response of attempt {index + 1}</summary>
                  <Preformatted text={attempt.responseSnippet} label={`Response of attempt ${index + 1}`} />
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
