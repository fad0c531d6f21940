/** The event catalogue (Svix-style): each type with its seed name, description, schema and sample payload. */
import { Json } from '../components/Json';
import { errorText } from '../context';
import { dataFieldsOf, useEventCatalogue } from '../event-names';
import { ScreenHeading } from '../router';

export function EventTypesScreen() {
  const query = useEventCatalogue();
  return (
    <>
      <ScreenHeading>Event types</ScreenHeading>
      <p>
        Every delivery is a POST of <code>{'{ id, type, timestamp, tenantId, brandId, data }'}</code>;{' '}
        <code>data</code> differs per type.
      </p>
      {query.isPending ? (
        <p>Loading the catalogue…</p>
      ) : query.isError ? (
        <p role="alert">Could not load the catalogue: {errorText(query.error)}</p>
      ) : (
        query.data.map((event) => (
          <section key={event.type} className="card" aria-labelledby={`type-${event.type}`}>
            <h2 id={`type-${event.type}`}>{event.name}</h2>
            <p>
              <code>{event.type}</code> — {event.description}
            </p>
            <h3>Schema</h3>
            <p>
              <code>data</code> carries at least:
            </p>
            <ul>
              {dataFieldsOf(event).map((field) => (
                <li key={field}>
                  <code>{field}</code>
                </li>
              ))}
            </ul>
            <details>
              <summary>Sample payload of {event.name}</summary>
              <Json value={event.samplePayload} label={`Sample payload of ${event.name}`} />
            </details>
          </section>
        ))
      )}
    </>
  );
}
