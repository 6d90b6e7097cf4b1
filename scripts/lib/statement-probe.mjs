// Preloaded into a hub process by a benchmark (`node --import scripts/lib/statement-probe.mjs ...`)
// to count, without a line of hub code, what the hub asks of PostgreSQL and Redis: every second it
// appends one JSON line to STATEMENT_PROBE_FILE with, since the last line, each SQL statement's count
// and the milliseconds its queries took from the call on a connection to the answer (the hub's busy
// event loop included), keyed by its first words; how long checkouts of a pooled connection waited
// (a line of their own); and each Redis command's count (a Lua script by the name BullMQ or the hub
// gave it, else its first key without ids). Divided by the sends of the same seconds, it is a send's
// cost in round trips. Without the variable it does nothing.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.STATEMENT_PROBE_FILE;
if (file && isMainThread) {
  const require = createRequire(path.join(process.cwd(), 'package.json'));
  const pg = require('pg');
  const { default: Redis } = require('ioredis');
  let sql = new Map();
  let redis = new Map();
  const keyOf = (text) => String(text).replace(/\s+/g, ' ').trim().slice(0, 60);
  const note = (key, ms) => {
    const entry = sql.get(key) ?? [0, 0];
    entry[0] += 1;
    entry[1] += ms;
    sql.set(key, entry);
  };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function probedQuery(...args) {
    const [config] = args;
    const key = keyOf(typeof config === 'string' ? config : (config?.text ?? '?'));
    const started = performance.now();
    const done = () => note(key, performance.now() - started);
    const last = args.slice(0, 3).findLastIndex((a) => typeof a === 'function');
    if (last >= 0) {
      const original = args[last];
      args[last] = (...result) => {
        done();
        return original(...result);
      };
      return query.apply(this, args.slice(0, last + 1));
    }
    const result = query.apply(this, args);
    if (result && typeof result.then === 'function') result.then(done, done);
    else if (config && typeof config.on === 'function') config.on('end', done);
    return result;
  };
  // How long each checkout of a pooled connection waited (all connections busy: the pool's queue).
  const connect = pg.Pool.prototype.connect;
  pg.Pool.prototype.connect = function probedConnect(...args) {
    const started = performance.now();
    const done = () => note('(waiting for a pooled connection)', performance.now() - started);
    if (typeof args[0] === 'function') {
      const original = args[0];
      return connect.call(this, (...result) => {
        done();
        return original(...result);
      });
    }
    const result = connect.apply(this, args);
    result.then(done, done);
    return result;
  };
  // Scripts are sent as EVALSHA: their sha names them once we know which script it was.
  const scripts = new Map();
  const defineCommand = Redis.prototype.defineCommand;
  Redis.prototype.defineCommand = function probedDefine(...args) {
    const [name, definition] = args;
    if (definition?.lua) scripts.set(createHash('sha1').update(definition.lua).digest('hex'), name);
    return defineCommand.apply(this, args);
  };
  const sendCommand = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function probedSend(...sent) {
    const [command] = sent;
    let key = command?.name ?? '?';
    const args = command?.args ?? [];
    if (key === 'evalsha') key = `script ${scripts.get(String(args[0])) ?? 'unnamed'}`;
    else if (key === 'eval') key = `eval ${keyOf(args[0]).slice(0, 40)}`;
    else if (args.length > 0) {
      key += ` ${String(args[0])
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '*')
        .replace(/:\d+/g, ':*')}`;
    }
    redis.set(key, (redis.get(key) ?? 0) + 1);
    return sendCommand.apply(this, sent);
  };
  const timer = setInterval(() => {
    const line = { t: Date.now(), sql: Object.fromEntries(sql), redis: Object.fromEntries(redis) };
    sql = new Map();
    redis = new Map();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000);
  timer.unref();
}
