import express from 'express';
import request from 'supertest';
import { parseConfig } from '../../src/platform/config/config';
import { chatRouter, frameOptionsFor } from './chat-routes';
import { webchatConfig } from './webchat-config';

describe('who may frame /chat', () => {
  const pageWith = (frameAncestors: string) =>
    request(express().use(chatRouter({ publicUrl: 'https://hub.example', frameAncestors }))).get('/chat');

  test('nobody, by default: CSP and X-Frame-Options agree', async () => {
    const res = await pageWith(parseConfig({}, [webchatConfig]).WEBCHAT_FRAME_ANCESTORS).expect(200);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  test('the clinic’s sites, when named: CSP lists them and X-Frame-Options (which cannot) is left out', async () => {
    const res = await pageWith('https://clinic.example https://www.clinic.example').expect(200);
    expect(res.headers['content-security-policy']).toContain(
      'frame-ancestors https://clinic.example https://www.clinic.example',
    );
    expect(res.headers['x-frame-options']).toBeUndefined();
  });

  test.each([
    ["'none'", 'DENY'],
    ["'self'", 'SAMEORIGIN'],
    ["'self' https://clinic.example", null],
    ['*', null],
  ])('frameOptionsFor(%p) = %p', (ancestors, expected) => {
    expect(frameOptionsFor(ancestors)).toBe(expected);
  });
});
