import type { MessageStatus } from '../platform/db/schema';
import { isForwardTransition } from './message-status';

describe('isForwardTransition', () => {
  test.each<[MessageStatus, MessageStatus, boolean]>([
    ['pending', 'sending', true],
    ['sending', 'queued', true],
    ['queued', 'sent', true],
    ['sent', 'delivered', true],
    ['queued', 'delivered', true],
    ['sent', 'undelivered', true],
    ['sending', 'failed', true],
    ['delivered', 'read', true],
    ['sent', 'read', true],
    ['delivered', 'sent', false],
    ['delivered', 'queued', false],
    ['sent', 'queued', false],
    ['delivered', 'failed', false],
    ['failed', 'delivered', false],
    ['undelivered', 'read', false],
    ['read', 'delivered', false],
    ['sent', 'sent', false],
  ])('%s -> %s is %s', (current, next, expected) => {
    expect(isForwardTransition(current, next)).toBe(expected);
  });
});
