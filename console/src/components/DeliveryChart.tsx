/**
 * Deliveries over time on a webhook's page: succeeded and failed attempts per hour for 24 hours or
 * 7 days (from `GET /v1/webhooks/{id}/stats`), with the same numbers as a table.
 *
 * Hand-made SVG rather than a chart library: stacked bars of two series need ~100 lines, while the
 * libraries that draw them (Recharts, Chart.js, visx) add 50–100 KB gzipped to a console whose whole
 * budget is 200 KB, and most of them draw on canvas, which screen readers cannot read anyway.
 */
import { useId, useState } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { useWebhookStats } from '../api/queries';
import { count } from '../count';
import { LoadError } from './LoadError';

const RANGES = [
  { id: '24h', label: '24 hours', hours: 24 },
  { id: '7d', label: '7 days', hours: 168 },
] as const;

type Bucket = { start: string; succeeded: number; failed: number; p50Ms?: number; p95Ms?: number };

export function DeliveryChart({ webhookId }: { webhookId: string }) {
  const [range, setRange] = useState<string>('24h');
  return (
    <section aria-labelledby="chart-heading" className="card">
      <h2 id="chart-heading">Deliveries over time</h2>
      <Tabs selectedKey={range} onSelectionChange={(key) => setRange(String(key))}>
        <TabList aria-label="Time range" className="tabs">
          {RANGES.map((item) => (
            <Tab key={item.id} id={item.id} className="tab">
              {item.label}
            </Tab>
          ))}
        </TabList>
        {RANGES.map((item) => (
          <TabPanel key={item.id} id={item.id} className="tab-panel">
            <RangeChart webhookId={webhookId} hours={item.hours} label={item.label} />
          </TabPanel>
        ))}
      </Tabs>
    </section>
  );
}

function RangeChart({ webhookId, hours, label }: { webhookId: string; hours: number; label: string }) {
  const query = useWebhookStats(webhookId, hours);
  if (query.isPending) return <p>Loading the chart…</p>;
  if (query.isError)
    return <LoadError what="the chart" error={query.error} retry={() => void query.refetch()} />;
  return <Bars buckets={query.data.buckets} label={label} />;
}

const WIDTH = 720;
const HEIGHT = 160;
const AXIS = 24;

function Bars({ buckets, label }: { buckets: Bucket[]; label: string }) {
  const tableId = useId();
  const succeeded = buckets.reduce((sum, bucket) => sum + bucket.succeeded, 0);
  const failed = buckets.reduce((sum, bucket) => sum + bucket.failed, 0);
  const peak = Math.max(1, ...buckets.map((bucket) => bucket.succeeded + bucket.failed));
  const slot = WIDTH / Math.max(1, buckets.length);
  const barWidth = Math.max(1, slot * 0.8);
  const scale = (n: number) => (n / peak) * (HEIGHT - AXIS);
  const summary = `${succeeded} succeeded and ${failed} failed attempts in the last ${label}`;
  const active = buckets.filter((bucket) => bucket.succeeded + bucket.failed > 0);
  return (
    <>
      <p className="chart-summary">{summary}.</p>
      <svg
        className="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Bar chart: ${summary}; the table below has every hour.`}
        preserveAspectRatio="none"
      >
        <line x1="0" x2={WIDTH} y1={HEIGHT - AXIS} y2={HEIGHT - AXIS} className="chart-axis" />
        {buckets.map((bucket, index) => {
          const x = index * slot + (slot - barWidth) / 2;
          const okHeight = scale(bucket.succeeded);
          const failHeight = scale(bucket.failed);
          return (
            <g key={bucket.start}>
              <rect
                x={x}
                width={barWidth}
                y={HEIGHT - AXIS - okHeight}
                height={okHeight}
                className="bar-ok"
              />
              <rect
                x={x}
                width={barWidth}
                y={HEIGHT - AXIS - okHeight - failHeight}
                height={failHeight}
                className="bar-failed"
              />
            </g>
          );
        })}
        <text x="0" y={HEIGHT - 6} className="chart-label">
          {new Date(buckets[0]?.start ?? Date.now()).toLocaleString()}
        </text>
        <text x={WIDTH} y={HEIGHT - 6} textAnchor="end" className="chart-label">
          now
        </text>
      </svg>
      <p className="legend">
        <span className="legend-ok">Succeeded (lower part of each bar)</span>{' '}
        <span className="legend-failed">Failed (upper part)</span> · tallest bar {count(peak, 'attempt')}
      </p>
      <details>
        <summary>Show as a table</summary>
        {active.length === 0 ? (
          <p>No attempts in the last {label}.</p>
        ) : (
          // Scrolls sideways on a narrow screen instead of widening the page; focusable, so the keyboard can scroll it.
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
          <section className="table-scroll" aria-label={`Attempts per hour, last ${label}`} tabIndex={0}>
            <table id={tableId} className="table">
              <caption>Attempts per hour, last {label} (hours without attempts left out)</caption>
              <thead>
                <tr>
                  <th scope="col">Hour starting</th>
                  <th scope="col">Succeeded</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Median</th>
                  <th scope="col">95th percentile</th>
                </tr>
              </thead>
              <tbody>
                {active.map((bucket) => (
                  <tr key={bucket.start}>
                    <td>
                      <time dateTime={bucket.start}>{new Date(bucket.start).toLocaleString()}</time>
                    </td>
                    <td>{bucket.succeeded}</td>
                    <td>{bucket.failed}</td>
                    <td>{bucket.p50Ms !== undefined ? `≤ ${bucket.p50Ms} ms` : '—'}</td>
                    <td>{bucket.p95Ms !== undefined ? `≤ ${bucket.p95Ms} ms` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </details>
    </>
  );
}
