import { useCallback, useEffect, useState } from 'react';
import type { CsatSummaryResponse, QueueStatsResponse, QueueStatsRow } from '../../contracts/inbox-api';
import { api } from '../shared/api';
import { CsatSummary } from './csat-summary';
import { formatWhen } from './format';
import type { InboxLive } from './live';

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h ${Math.round((seconds % 3600) / 60)}m`;
}

/** Per-queue figures for supervisors, refreshed whenever an inbox event arrives (at most every 2 s). */
export function SupervisorView({ live }: { live: InboxLive }) {
  const [stats, setStats] = useState<QueueStatsRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [csat, setCsat] = useState<CsatSummaryResponse | null>(null);

  const load = useCallback(async () => {
    try {
      const [answer, ratings] = await Promise.all([
        api<QueueStatsResponse>('GET', '/stats/queues'),
        api<CsatSummaryResponse>('GET', '/stats/csat'),
      ]);
      setStats(answer.queues);
      setCsat(ratings);
      setUpdatedAt(new Date());
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not load the figures');
    }
  }, []);

  useEffect(() => {
    void load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = live.on((event) => {
      if (event.type === 'typing' || timer) return;
      timer = setTimeout(() => {
        timer = null;
        void load();
      }, 2000);
    });
    const poll = setInterval(() => void load(), 60_000);
    return () => {
      off();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    };
  }, [live, load]);

  return (
    <section className="supervisor" aria-label="Supervisor view">
      <h2>Queues today</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {stats && (
        <table>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Volume</th>
              <th scope="col">Open</th>
              <th scope="col">Median first response</th>
              <th scope="col">SLA breaches</th>
              <th scope="col">Emergencies today</th>
            </tr>
          </thead>
          <tbody>
            {stats.map((s) => (
              <tr key={s.queue}>
                <th scope="row">{s.name}</th>
                <td>{s.volumeToday}</td>
                <td>{s.openNow}</td>
                <td>{duration(s.medianFirstResponseSeconds)}</td>
                <td className={s.slaBreaches ? 'error' : undefined}>{s.slaBreaches}</td>
                <td>
                  {s.emergenciesToday ? (
                    <span className="badge red">{s.emergenciesToday}</span>
                  ) : (
                    s.emergenciesToday
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {csat && <CsatSummary summary={csat} />}
      {updatedAt && <p className="muted">Updated {formatWhen(updatedAt.toISOString())}</p>}
    </section>
  );
}
