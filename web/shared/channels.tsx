import { type ReactNode, useEffect, useState } from 'react';
import type { ChannelListResponse } from '../../contracts/inbox-api';
import { learnChannels } from '../inbox/format';
import { api } from './api';

/**
 * Renders the page once the channels the hub runs are known (`GET /channels`), so every channel is
 * named as its adapter declares it from the first paint. If the hub does not answer, the page still
 * opens and shows channels by their ids.
 */
export function WithChannels({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let live = true;
    api<ChannelListResponse>('GET', '/channels')
      .then((answer) => learnChannels(answer.channels))
      .catch(() => {})
      .finally(() => {
        if (live) setReady(true);
      });
    return () => {
      live = false;
    };
  }, []);
  return ready ? children : <p className="muted">Loading…</p>;
}
