import { activitySchema, botframeworkAddress, providerActivityId, toInboundMessage } from './activity-schema';

const base = {
  type: 'message',
  id: '1700000000000',
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/amer/',
  from: { id: '29:abc', name: 'Ana Lopez', aadObjectId: 'aad-1' },
  conversation: { id: 'a:1xyz', conversationType: 'personal', tenantId: 't-1' },
  recipient: { id: '28:bot', name: 'CareLine' },
  text: 'Hello',
  entities: [{ type: 'clientInfo' }],
};

test.each([
  ['a message', base, true],
  ['a typing activity without id or text', { ...base, type: 'typing', id: undefined, text: undefined }, true],
  [
    'an attachment-only message',
    { ...base, text: undefined, attachments: [{ contentType: 'image/png' }] },
    true,
  ],
  ['a message without id', { ...base, id: undefined }, false],
  ['an empty message', { ...base, text: ' ' }, false],
  ['a channel id with a slash', { ...base, channelId: 'ms/teams' }, false],
  ['a javascript: serviceUrl', { ...base, serviceUrl: 'javascript:alert(1)' }, false],
  ['no recipient', { ...base, recipient: undefined }, false],
])('%s: valid is %s', (_name, activity, valid) => {
  expect(activitySchema.safeParse(activity).success).toBe(valid);
});

test('a message maps to the conversation-scoped identity, keeping the channel id and the user', () => {
  const parsed = activitySchema.parse({
    ...base,
    attachments: [
      { contentType: 'image/png', contentUrl: 'https://files.example/x.png', name: 'x.png' },
      { contentType: 'application/vnd.microsoft.card.adaptive', content: {} },
    ],
  });
  const message = toInboundMessage(parsed, '  Hello  ');
  expect(message).toEqual({
    channel: 'botframework',
    from: { kind: 'botframework', address: 'msteams:a:1xyz', displayName: 'Ana Lopez' },
    toAddress: '28:bot',
    body: 'Hello',
    media: [{ url: 'https://files.example/x.png', contentType: 'image/png' }],
    providerMessageId: 'msteams:a:1xyz|1700000000000',
    channelMeta: {
      channelId: 'msteams',
      activityId: '1700000000000',
      conversationId: 'a:1xyz',
      conversationType: 'personal',
      tenantId: 't-1',
      user: { id: '29:abc', name: 'Ana Lopez' },
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', name: null }],
    },
  });
  expect(botframeworkAddress('webchat', 'c1')).toBe('webchat:c1');
  expect(providerActivityId('webchat:c1', 'c1|0000001')).toBe('webchat:c1|c1|0000001');
});
