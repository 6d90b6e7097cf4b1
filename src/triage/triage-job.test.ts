import { packTriageJobs, triageItems, triageJobId } from './triage-job';

describe('triage jobs carrying several messages', () => {
  test.each([
    {
      name: 'one job stays as it is',
      jobs: [{ messageId: 'm1', requestId: 'r1' }],
      packed: { messageId: 'm1', requestId: 'r1' },
    },
    {
      name: 'jobs added together become one job, the first message first',
      jobs: [{ messageId: 'm1', requestId: 'r1' }, { messageId: 'm2' }, { messageId: 'm3', requestId: 'r3' }],
      packed: {
        messageId: 'm1',
        requestId: 'r1',
        more: [
          { messageId: 'm2', requestId: undefined },
          { messageId: 'm3', requestId: 'r3' },
        ],
      },
    },
    {
      name: 'packed jobs packed again keep every message once, in order',
      jobs: [{ messageId: 'm1', more: [{ messageId: 'm2' }] }, { messageId: 'm3' }],
      packed: {
        messageId: 'm1',
        requestId: undefined,
        more: [{ messageId: 'm2' }, { messageId: 'm3', requestId: undefined }],
      },
    },
  ])('$name', ({ jobs, packed }) => {
    const job = packTriageJobs(jobs);
    expect(job).toEqual(packed);
    expect(triageItems(job).map((i) => i.messageId)).toEqual(
      jobs.flatMap((j) => [j.messageId, ...(('more' in j && j.more) || []).map((m) => m.messageId)]),
    );
  });

  test('an empty list is a mistake, not an empty job', () => {
    expect(() => packTriageJobs([])).toThrow('at least one job');
  });

  test('a single message keeps its id as the job id; a pack gets one of its own, the same for the same messages', () => {
    expect(triageJobId({ messageId: 'm1' })).toBe('m1');
    const pack = packTriageJobs([{ messageId: 'm1' }, { messageId: 'm2' }]);
    expect(triageJobId(pack)).toMatch(/^pack-[0-9a-f]{32}$/);
    expect(triageJobId(pack)).toBe(triageJobId(packTriageJobs([{ messageId: 'm1' }, { messageId: 'm2' }])));
    expect(triageJobId(pack)).not.toBe(
      triageJobId(packTriageJobs([{ messageId: 'm1' }, { messageId: 'm3' }])),
    );
  });
});
