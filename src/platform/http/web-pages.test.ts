import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { ensureWebPagesBuilt } from '../../../test/support/browser';
import { errorHandler } from './error-handler';
import { defaultWebDir, webPagesRouter } from './web-pages';

function appServing(webDir: string) {
  const app = express();
  app.use(webPagesRouter(webDir));
  app.use(errorHandler(pino({ level: 'silent' })));
  return app;
}

describe('the staff pages never hand out source maps', () => {
  test('a .map file next to a script is 404 (the script itself is served)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careline-web-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'assets', 'inbox-abc.js'), 'console.log(1);\n');
    fs.writeFileSync(path.join(dir, 'assets', 'inbox-abc.js.map'), '{"version":3,"sources":["secret.tsx"]}');
    const app = appServing(dir);
    await request(app).get('/web/assets/inbox-abc.js').expect(200);
    for (const file of [
      '/web/assets/inbox-abc.js.map',
      '/web/assets/INBOX-ABC.JS.MAP',
      '/web/assets/inbox-abc.js.map?x=1',
    ]) {
      const res = await request(app).get(file).expect(404);
      expect(res.body.error.code).toBe('not_found');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the built scripts name no source map (hidden maps)', async () => {
    ensureWebPagesBuilt();
    const assets = path.join(defaultWebDir(), 'assets');
    const scripts = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(fs.readFileSync(path.join(assets, script), 'utf8')).not.toContain('sourceMappingURL');
    }
  });
});
