import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { attachInboxNamespace, type InboxNamespace, type InboxNamespaceDeps } from './inbox-namespace';

export interface InboxSocketServer {
  io: Server;
  inbox: InboxNamespace;
  /** Disconnects every socket, stops the adapter, then closes the http server (socket.io does that). */
  close(): Promise<void>;
}

/**
 * socket.io on the hub's http server, with the Redis Streams adapter so that an event committed in
 * one hub process reaches staff connected to another. Processes that share `keyPrefix` share the
 * stream and the pub/sub channels.
 */
export function createInboxSocketServer(
  server: http.Server,
  options: InboxNamespaceDeps & { redisUrl: string; keyPrefix: string },
): InboxSocketServer {
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (err) => options.logger.warn({ err }, 'socket.io redis connection error'));
  // The adapter reads and subscribes on duplicates of this client and lets go of its reader only
  // after a read returns, which never happens while Redis is away: keep them to disconnect on close.
  const duplicates: Redis[] = [];
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override) => {
    const client = duplicate(override);
    duplicates.push(client);
    return client;
  };
  const io = new Server(server, {
    serveClient: false,
    adapter: createAdapter(redis, {
      streamName: `${options.keyPrefix}:socket.io`,
      channelPrefix: `${options.keyPrefix}:socket.io`,
      // Short blocking reads, so a closing process lets go of its reader within a second.
      blockTimeInMs: 1000,
    }),
  });
  const inbox = attachInboxNamespace(io, options);
  return {
    io,
    inbox,
    async close() {
      inbox.detach();
      await io.close();
      for (const client of duplicates) client.disconnect();
      redis.disconnect();
    },
  };
}
