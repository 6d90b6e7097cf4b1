import { lazy, Suspense } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { bucketName, bucketStart } from './campaign-series';

/** The chart and uPlot come with the first campaign results shown, not with the inbox page. */
const CampaignSeriesPlot = lazy(() => import('./campaign-series-plot'));

const total = (points: Api.CampaignStatsView['series']['points'], key: 'sent' | 'delivered') =>
  points.reduce((a, p) => a + p[key], 0);

/**
 * Sends and deliveries per time bucket: a bar chart (uPlot, on a canvas) named by its totals, and
 * the same figures per bucket as a table under it, for screen readers and exact numbers.
 */
export function CampaignSeriesChart({ series }: { series: Api.CampaignStatsView['series'] }) {
  const { points, bucketSeconds } = series;
  if (points.length === 0) return <p className="muted">No sends yet.</p>;
  const per = bucketName(bucketSeconds);
  return (
    <figure className="campaign-chart">
      <div
        role="img"
        aria-label={`Sends and deliveries per ${per}: ${total(points, 'sent')} sent, ${total(points, 'delivered')} delivered`}
      >
        <Suspense fallback={<div className="campaign-chart-plot" />}>
          <CampaignSeriesPlot series={series} />
        </Suspense>
      </div>
      <figcaption>
        <span className="chart-key chart-sent" aria-hidden="true" /> sent{' '}
        <span className="chart-key chart-delivered" aria-hidden="true" /> delivered
      </figcaption>
      <details>
        <summary>The figures per {per}</summary>
        <table className="campaign-breakdown" aria-label={`Sends and deliveries per ${per}`}>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Sent</th>
              <th scope="col">Delivered</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.at}>
                <th scope="row">{bucketStart(new Date(p.at), bucketSeconds)}</th>
                <td>{p.sent}</td>
                <td>{p.delivered}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

const codes = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');

/** The figures per channel or per language, one row each. */
export function CampaignBreakdown({
  label,
  figures,
}: {
  label: string;
  figures: Record<string, Api.CampaignFiguresView>;
}) {
  const rows = Object.entries(figures).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return null;
  return (
    // Wider than a phone, it scrolls sideways: a region that keyboard users can focus to scroll
    // (WCAG 2.1.1, axe's scrollable-region-focusable).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region is reached by keyboard
    <section className="campaign-breakdown-scroll" aria-label={`Figures by ${label}`} tabIndex={0}>
      <table className="campaign-breakdown" aria-label={`By ${label}`}>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col">Recipients</th>
            <th scope="col">Sent</th>
            <th scope="col">Delivered</th>
            <th scope="col">Failed</th>
            <th scope="col">Replied</th>
            <th scope="col">Opted out</th>
            <th scope="col">Link opened</th>
            <th scope="col">Confirmed</th>
            <th scope="col">Booked</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([key, f]) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td>{f.recipients}</td>
              <td>{f.sent}</td>
              <td>{f.delivered}</td>
              <td title={codes(f.failedByCode)}>
                {f.failed}
                {f.failed > 0 && <span className="muted"> ({codes(f.failedByCode)})</span>}
              </td>
              <td>{f.replied}</td>
              <td>{f.optedOut}</td>
              <td>{f.linkOpened}</td>
              <td>{f.confirmed}</td>
              <td>{f.booked}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
