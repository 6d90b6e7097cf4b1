import type { CsatSummaryResponse } from '../../contracts/inbox-api';
import { channelLabel, formatWhen } from './format';
import { useQueueName } from './names';

/**
 * How patients answered "How did we do?" (1-5) after their conversations were resolved: the mean,
 * how many of each, and the latest ratings, so a supervisor sees a bad one the day it comes in.
 */
export function CsatSummary({ summary }: { summary: CsatSummaryResponse }) {
  const queueName = useQueueName();
  return (
    <section className="csat" aria-labelledby="csat-heading">
      <h2 id="csat-heading">Patient ratings</h2>
      {!summary.enabled && (
        <p className="muted">
          The rating question is off: an admin can turn it on under Admin → Patient rating.
        </p>
      )}
      <p>
        {summary.average === null ? (
          <>No ratings in the last {summary.days} days.</>
        ) : (
          <>
            <strong className="csat-average">{summary.average.toFixed(1)} of 5</strong> from {summary.rated}{' '}
            {summary.rated === 1 ? 'rating' : 'ratings'} in the last {summary.days} days ({summary.asked}{' '}
            asked).
          </>
        )}
      </p>
      {summary.rated > 0 && (
        <ul className="csat-counts" aria-label="Ratings by score">
          {/* Scores from 5 down, as people read a rating scale. */}
          {[5, 4, 3, 2, 1].map((score) => (
            <li key={score}>
              {score} of 5: {summary.counts[score - 1]}
            </li>
          ))}
        </ul>
      )}
      {summary.recent.length > 0 && (
        <table>
          <caption>Latest ratings</caption>
          <thead>
            <tr>
              <th scope="col">Rating</th>
              <th scope="col">Queue</th>
              <th scope="col">Channel</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {summary.recent.map((r) => (
              <tr key={r.conversationId}>
                <td>{r.rating} of 5</td>
                <td>{queueName(r.queue)}</td>
                <td>{channelLabel(r.channel)}</td>
                <td>
                  <time dateTime={r.ratedAt}>{formatWhen(r.ratedAt)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
