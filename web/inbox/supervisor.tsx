import { useCallback, useEffect, useState } from 'react';
import { api } from '../shared/api';
import { formatWhen } from './format';
import type { InboxLive } from './live';

interface QueueStats {
  queue: string;
  name: string;
  volume: number | null;
  open: number | null;
  medianFirstResponse: string;
  slaBreaches: number | null;
  emergenciesToday: number | null;
}

type Json = Record<string, unknown>;

const firstNumber = (o: Json, keys: string[]): number | null => {
  for (const key of keys) if (typeof o[key] === 'number') return o[key] as number;
  return null;
};

function duration(o: Json): string {
  const seconds =
    firstNumber(o, ['medianFirstResponseSeconds', 'medianFirstResponseSec']) ??
    (firstNumber(o, ['medianFirstResponseMs']) ?? Number.NaN) / 1000;
  const minutes = firstNumber(o, ['medianFirstResponseMinutes']);
  const s = Number.isFinite(seconds) ? seconds : minutes !== null ? minutes * 60 : null;
  if (s === null) return '—';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
}

function toStats(raw: unknown): QueueStats {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Json;
  const id = String(o.queue ?? o.id ?? '?');
  return {
    queue: id,
    name: typeof o.name === 'string' ? o.name : id,
    volume: firstNumber(o, [
      'volume',
      'volumeToday',
      'received',
      'inboundToday',
      'messagesToday',
      'conversations',
    ]),
    open: firstNumber(o, ['openNow', 'open']),
    medianFirstResponse: duration(o),
    slaBreaches: firstNumber(o, ['slaBreaches', 'slaBreached', 'breaches']),
    emergenciesToday: firstNumber(o, ['emergenciesToday', 'emergencies']),
  };
}

/** Per-queue figures for supervisors, refreshed whenever an inbox event arrives (at most every 2 s). */
export function SupervisorView({ live }: { live: InboxLive }) {
  const [stats, setStats] = useState<QueueStats[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);

  const load = useCallback(async () => {
    try {
      const answer = await api<{ queues?: unknown[]; stats?: unknown[] }>('GET', '/stats/queues');
      setStats((answer.queues ?? answer.stats ?? []).map(toStats));
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

  const show = (n: number | null) => (n === null ? '—' : String(n));
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
                <td>{show(s.volume)}</td>
                <td>{show(s.open)}</td>
                <td>{s.medianFirstResponse}</td>
                <td className={s.slaBreaches ? 'error' : undefined}>{show(s.slaBreaches)}</td>
                <td>
                  {s.emergenciesToday ? (
                    <span className="badge red">{s.emergenciesToday}</span>
                  ) : (
                    show(s.emergenciesToday)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {updatedAt && <p className="muted">Updated {formatWhen(updatedAt.toISOString())}</p>}
    </section>
  );
}
