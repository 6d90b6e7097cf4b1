import type * as Api from '../../contracts/inbox-api';

/**
 * Sends and deliveries per time bucket as a small SVG bar chart: two bars per bucket, scaled to the
 * busiest. Drawn here rather than with a charting library (none is among the page's dependencies);
 * the same figures are in a table beside it for screen readers and exact numbers.
 */
const WIDTH = 320;
const HEIGHT = 120;
const AXIS = 16;

const timeOf = (at: string, bucketSeconds: number) =>
  new Date(at).toLocaleString(undefined, {
    ...(bucketSeconds >= 86_400
      ? { month: 'short', day: 'numeric' }
      : { hour: '2-digit', minute: '2-digit' }),
  });

export function CampaignSeriesChart({ series }: { series: Api.CampaignStatsView['series'] }) {
  const { points, bucketSeconds } = series;
  if (points.length === 0) return <p className="muted">No sends yet.</p>;
  const top = Math.max(1, ...points.map((p) => Math.max(p.sent, p.delivered)));
  const slot = WIDTH / points.length;
  const bar = Math.max(1, slot / 2 - 1);
  const height = (n: number) => ((HEIGHT - AXIS) * n) / top;
  const first = points[0]!;
  const last = points.at(-1)!;
  return (
    <figure className="campaign-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Sends and deliveries per ${bucketSeconds / 60} minutes: ${points.reduce((a, p) => a + p.sent, 0)} sent, ${points.reduce((a, p) => a + p.delivered, 0)} delivered`}
      >
        {points.map((p, i) => (
          <g key={p.at}>
            <rect
              className="chart-sent"
              x={i * slot}
              y={HEIGHT - AXIS - height(p.sent)}
              width={bar}
              height={height(p.sent)}
            />
            <rect
              className="chart-delivered"
              x={i * slot + bar}
              y={HEIGHT - AXIS - height(p.delivered)}
              width={bar}
              height={height(p.delivered)}
            />
          </g>
        ))}
        <line x1={0} x2={WIDTH} y1={HEIGHT - AXIS} y2={HEIGHT - AXIS} className="chart-axis" />
        <text x={0} y={HEIGHT - 3} className="chart-label">
          {timeOf(first.at, bucketSeconds)}
        </text>
        {points.length > 1 && (
          <text x={WIDTH} y={HEIGHT - 3} textAnchor="end" className="chart-label">
            {timeOf(last.at, bucketSeconds)}
          </text>
        )}
        <text x={0} y={10} className="chart-label">
          {top} per {bucketSeconds / 60} min
        </text>
      </svg>
      <figcaption>
        <span className="chart-key chart-sent" aria-hidden="true" /> sent{' '}
        <span className="chart-key chart-delivered" aria-hidden="true" /> delivered
      </figcaption>
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
  );
}
