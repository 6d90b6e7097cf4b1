import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { ApiError, api, logout, type Session } from '../shared/api';
import { AdminView } from './admin';
import { AlertSettings } from './alert-settings';
import {
  type AlertKind,
  type AlertPreferences,
  loadAlertPreferences,
  playAlertSound,
  saveAlertPreferences,
  showAlertNotification,
  tabTitle,
} from './alerts';
import { BulkActions, LabelManager } from './bulk-actions';
import { CampaignsView } from './campaigns';
import { CannedResponseManager } from './canned-responses';
import { Composer } from './composer';
import { ConversationList } from './conversation-list';
import { knownChannels } from './format';
import { InboxLive } from './live';
import {
  type CannedResponse,
  type ConversationDetail,
  type ConversationSummary,
  type IntentOption,
  type LabelInfo,
  type QueueSummary,
  queueWithoutCounts,
  type StaffOption,
  type TemplateInfo,
  toCannedResponse,
  toDetail,
  toQueue,
  toStaffOption,
  toSummary,
  toTemplate,
} from './model';
import { rememberIntentLabels, rememberQueueNames } from './names';
import { ShortcutsHelp } from './shortcuts-help';
import { SupervisorView } from './supervisor';
import { ContactPanel, Thread, ThreadActions } from './thread';

interface Filters {
  status: string;
  assignee: string;
  urgency: string;
  channel: string;
  q: string;
  label: string;
  sort: 'priority' | 'activity';
}

const PAGE = 50;
/** A live refresh reloads at most this many rows from the top; rows loaded further down are kept. */
const REFRESH_WINDOW = 200;

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** nurse-triage first (it holds the urgent clinical questions), then the server's order. */
function orderQueues(queues: QueueSummary[]): QueueSummary[] {
  return [...queues].sort((a, b) => Number(b.id === 'nurse-triage') - Number(a.id === 'nurse-triage'));
}

function listPath(queue: string, filters: Filters, limit: number, cursor?: string): string {
  const params = new URLSearchParams();
  if (queue) params.set('queue', queue);
  for (const key of ['status', 'assignee', 'urgency', 'channel', 'q', 'label'] as const) {
    const value = filters[key].trim();
    if (value) params.set(key, value);
  }
  params.set('sort', filters.sort);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/conversations?${params}`;
}

function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export function InboxApp({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const live = useMemo(() => new InboxLive(), []);
  useEffect(() => {
    live.connect();
    return () => live.close();
  }, [live]);
  const now = useNow(15_000);
  // A manager runs campaigns and otherwise works as an agent (the hub's queue-access rule).
  const isSupervisor = session.staff.role === 'admin' || session.staff.role === 'supervisor';

  const isAdmin = session.staff.role === 'admin';
  const [tab, setTab] = useState<'inbox' | 'supervisor' | 'admin' | 'campaigns'>('inbox');
  const [connected, setConnected] = useState(false);
  const [queues, setQueues] = useState<QueueSummary[]>([]);
  const [queue, setQueue] = useState('');
  const [filters, setFilters] = useState<Filters>({
    status: '',
    assignee: '',
    urgency: '',
    channel: '',
    q: '',
    label: '',
    sort: 'priority',
  });
  const [search, setSearch] = useState('');
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadingList, setLoadingList] = useState(false);
  const [listError, setListError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [detail, setDetail] = useState<ConversationDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [templates, setTemplates] = useState<TemplateInfo[]>([]);
  const [intents, setIntents] = useState<IntentOption[]>([]);
  const [staff, setStaff] = useState<StaffOption[] | null>(null);
  const [labels, setLabels] = useState<LabelInfo[]>([]);
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [typingAt, setTypingAt] = useState<Record<string, number>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  // On a phone the composer is a screen of its own (styles.css); on a desktop this changes nothing.
  const [composing, setComposing] = useState(false);
  const [alertPrefs, setAlertPrefs] = useState<AlertPreferences>(() =>
    loadAlertPreferences(session.staff.id),
  );
  const alertPrefsRef = useRef(alertPrefs);
  alertPrefsRef.current = alertPrefs;
  const queuesRef = useRef(queues);
  queuesRef.current = queues;
  const replyRef = useRef<HTMLTextAreaElement>(null);
  const listGeneration = useRef(0);
  const loadedCount = useRef(0);
  loadedCount.current = items.length;

  useEffect(() => live.onStatus(setConnected), [live]);

  // Search is applied 300 ms after the last keystroke.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => (f.q === search ? f : { ...f, q: search })), 300);
    return () => clearTimeout(timer);
  }, [search]);

  const loadQueues = useCallback(async () => {
    try {
      const answer = await api<Api.QueueListResponse>('GET', '/queues');
      setQueues(orderQueues(answer.queues.map(toQueue)));
    } catch (err) {
      // Without the queue summary, list the staff member's own queues without counts.
      if (err instanceof ApiError && err.status === 404) {
        setQueues(orderQueues(session.staff.queues.map(queueWithoutCounts)));
      }
    }
  }, [session.staff.queues]);

  const loadCanned = useCallback(async () => {
    try {
      const answer = await api<Api.CannedResponseListResponse>('GET', '/canned-responses');
      setCanned(answer.cannedResponses.map(toCannedResponse));
    } catch {
      setCanned([]);
    }
  }, []);

  const loadLabels = useCallback(async () => {
    try {
      const answer = await api<Api.LabelListResponse>('GET', '/labels');
      setLabels(answer.labels);
    } catch {
      setLabels([]);
    }
  }, []);

  /**
   * The top of the list again: as many rows as are loaded, up to REFRESH_WINDOW. Deeper in a long list
   * (thousands of rows loaded by scrolling), the rows below the window and the cursor after them are
   * kept, so a live refresh neither shrinks the list under the reader nor reloads thousands of rows.
   */
  const reloadList = useCallback(async () => {
    const generation = ++listGeneration.current;
    setLoadingList(true);
    try {
      const loaded = loadedCount.current;
      const limit = Math.min(REFRESH_WINDOW, Math.max(PAGE, loaded));
      const answer = await api<Api.ConversationListResponse>('GET', listPath(queue, filters, limit));
      if (generation !== listGeneration.current) return;
      const fresh = answer.conversations.map(toSummary);
      const after = answer.nextCursor;
      if (loaded > REFRESH_WINDOW && after !== null) {
        const seen = new Set(fresh.map((c) => c.id));
        setItems((now) => [...fresh, ...now.slice(REFRESH_WINDOW).filter((c) => !seen.has(c.id))]);
        // nextCursor stays the one after the rows kept.
      } else {
        setItems(fresh);
        setNextCursor(after);
      }
      setListError(null);
    } catch (err) {
      if (generation === listGeneration.current) setListError(err instanceof Error ? err.message : 'failed');
    } finally {
      if (generation === listGeneration.current) setLoadingList(false);
    }
  }, [queue, filters]);

  const loadMore = useCallback(async () => {
    if (!nextCursor) return;
    const generation = listGeneration.current;
    setLoadingList(true);
    try {
      const answer = await api<Api.ConversationListResponse>(
        'GET',
        listPath(queue, filters, PAGE, nextCursor),
      );
      if (generation !== listGeneration.current) return;
      const more = answer.conversations.map(toSummary);
      setItems((now) => {
        const seen = new Set(now.map((c) => c.id));
        return [...now, ...more.filter((c) => !seen.has(c.id))];
      });
      setNextCursor(answer.nextCursor);
    } catch (err) {
      setListError(err instanceof Error ? err.message : 'failed');
    } finally {
      if (generation === listGeneration.current) setLoadingList(false);
    }
  }, [queue, filters, nextCursor]);

  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selectedId;
  const loadDetail = useCallback(async (id: string) => {
    try {
      const answer = await api<Api.ConversationDetailResponse>('GET', `/conversations/${id}`);
      // A slow answer for a conversation no longer open is dropped.
      if (id !== selectedRef.current) return;
      setDetail(toDetail(answer));
      setDetailError(null);
    } catch (err) {
      if (id === selectedRef.current) {
        setDetailError(err instanceof Error ? err.message : 'could not open the conversation');
      }
    }
  }, []);

  useEffect(() => {
    void loadQueues();
    // Supervisors and admins hand work to named colleagues; agents only take or release their own.
    if (isSupervisor) {
      api<Api.StaffListResponse>('GET', '/staff').then(
        (answer) => setStaff(answer.staff.map(toStaffOption)),
        () => setStaff([]),
      );
    }
    api<Api.TemplateListResponse>('GET', '/templates').then(
      (answer) => setTemplates(answer.templates.map(toTemplate)),
      () => setTemplates([]),
    );
    void loadLabels();
    void loadCanned();
    api<Api.IntentListResponse>('GET', '/triage/intents').then(
      (answer) => {
        setIntents(answer.intents);
        rememberIntentLabels(answer.intents);
      },
      () => setIntents([]),
    );
  }, [loadQueues, isSupervisor, loadLabels, loadCanned]);

  /** Marks the open conversation read (up to its newest message): its unread dot and counts drop. */
  const markRead = useCallback(
    (id: string) => {
      api('POST', `/conversations/${id}/read`, {}).then(
        () => {
          setItems((now) => now.map((c) => (c.id === id && c.unread ? { ...c, unread: false } : c)));
          void loadQueues();
        },
        () => undefined,
      );
    },
    [loadQueues],
  );

  useEffect(() => {
    loadedCount.current = 0;
    void reloadList();
  }, [reloadList]);

  useEffect(() => {
    setComposing(false);
    live.focus(selectedId);
    setDetail(null);
    setDetailError(null);
    if (!selectedId) return;
    void loadDetail(selectedId);
    markRead(selectedId);
  }, [selectedId, live, loadDetail, markRead]);

  // Live events: refetch what is on screen (payloads carry ids, never bodies).
  const reloadListRef = useRef(reloadList);
  reloadListRef.current = reloadList;
  useEffect(() => {
    let listTimer: ReturnType<typeof setTimeout> | null = null;
    const scheduleList = () => {
      if (listTimer) return;
      listTimer = setTimeout(() => {
        listTimer = null;
        void reloadListRef.current();
        void loadQueues();
      }, 150);
    };
    const off = live.on((event) => {
      if (event.type === 'typing') {
        if (event.conversationId && event.staffId !== session.staff.id) {
          setTypingAt((t) => ({ ...t, [event.conversationId!]: Date.now() }));
        }
        return;
      }
      if (event.type === 'triage.escalated') setNotice('An urgent message was escalated');
      const alertKind: AlertKind | null =
        event.type === 'triage.escalated' && event.urgency === 'emergency'
          ? 'emergency'
          : event.type === 'message.created' && event.direction === 'inbound'
            ? 'message'
            : null;
      if (alertKind) {
        const prefs = alertPrefsRef.current[alertKind];
        const queueName =
          queuesRef.current.find((q) => q.id === event.queue)?.name ?? event.queue ?? 'a queue';
        if (prefs.sound) playAlertSound(alertKind);
        if (prefs.notification) showAlertNotification(alertKind, queueName, event.conversationId ?? null);
      }
      scheduleList();
      const open = selectedRef.current;
      const refetchAll = event.type === 'resync.required' || event.type === 'reconnected';
      if (open && (refetchAll || event.conversationId === open)) {
        void loadDetail(open);
        // What arrives in the conversation on screen is read as it shows.
        if (event.type === 'message.created') markRead(open);
      }
    });
    return () => {
      off();
      if (listTimer) clearTimeout(listTimer);
    };
  }, [live, loadDetail, loadQueues, markRead, session.staff.id]);

  const act = useCallback(
    async (action: string, body: object = {}) => {
      const id = selectedRef.current;
      if (!id) return;
      try {
        await api('POST', `/conversations/${id}/${action}`, body);
        setNotice(null);
      } catch (err) {
        setNotice(err instanceof Error ? err.message : `${action} failed`);
      }
      void loadDetail(id);
      void reloadListRef.current();
      void loadQueues();
    },
    [loadDetail, loadQueues],
  );

  // Keyboard (listed in shortcuts-help.tsx, shown by ?): j/k next/previous, c claim, r reply,
  // e resolve; Esc in the reply box goes back to the open conversation's row, where they work again.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && event.target === replyRef.current && replyRef.current) {
        setComposing(false);
        const row = document.querySelector<HTMLElement>('.conversation-row[aria-current="true"]');
        if (row && row.offsetParent !== null) row.focus();
        else document.querySelector<HTMLElement>('.thread-pane')?.focus();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      if (event.key === '?') {
        event.preventDefault();
        setHelpOpen(true);
        return;
      }
      if (tab !== 'inbox') return;
      const index = items.findIndex((c) => c.id === selectedRef.current);
      if (event.key === 'j' || event.key === 'k') {
        const next = event.key === 'j' ? Math.min(items.length - 1, index + 1) : Math.max(0, index - 1);
        const target = items[next];
        if (target) {
          setSelectedId(target.id);
          // A keyboard user on a row moves with the selection, so Enter, Tab and Esc start from there.
          if ((event.target as HTMLElement | null)?.classList?.contains('conversation-row')) {
            requestAnimationFrame(() =>
              document
                .querySelector<HTMLElement>(`li[data-conversation-id="${target.id}"] .conversation-row`)
                ?.focus(),
            );
          }
        }
      } else if (event.key === 'c') {
        void act('claim');
      } else if (event.key === 'e') {
        void act('resolve');
      } else if (event.key === 'r') {
        event.preventDefault();
        setComposing(true);
        replyRef.current?.focus();
      } else {
        return;
      }
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, act, tab]);

  // The composer's screen (on a phone) shows only after this render: focus the reply box then.
  useEffect(() => {
    if (composing) replyRef.current?.focus();
  }, [composing]);

  // The typing indicator shows for 5 s after the last typing event from a colleague.
  const [typingTick, setTypingTick] = useState(0);
  useEffect(() => {
    if (!selectedId || !typingAt[selectedId]) return;
    const timer = setTimeout(() => setTypingTick((n) => n + 1), 5100);
    return () => clearTimeout(timer);
  }, [typingAt, selectedId]);
  const typing = typingTick >= 0 && !!selectedId && Date.now() - (typingAt[selectedId] ?? 0) < 5000;

  const setFilter = (key: keyof Filters, value: string) => setFilters((f) => ({ ...f, [key]: value }));
  // Every view names queues as the server does (names.ts), not by their ids.
  useEffect(() => rememberQueueNames(queues), [queues]);
  const totalUnread = queues.reduce((sum, q) => sum + q.unread, 0);
  const totalEmergencies = queues.reduce((sum, q) => sum + q.emergencies, 0);
  useEffect(() => {
    document.title = tabTitle(
      'CareLine inbox',
      { emergencies: totalEmergencies, unread: totalUnread },
      alertPrefs,
    );
  }, [totalEmergencies, totalUnread, alertPrefs]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>CareLine</h1>
        <nav aria-label="Views" className="tabs">
          <button type="button" aria-pressed={tab === 'inbox'} onClick={() => setTab('inbox')}>
            Inbox
          </button>
          {isSupervisor && (
            <button type="button" aria-pressed={tab === 'supervisor'} onClick={() => setTab('supervisor')}>
              Supervisor
            </button>
          )}
          {(isAdmin || session.staff.role === 'manager') && (
            <button type="button" aria-pressed={tab === 'campaigns'} onClick={() => setTab('campaigns')}>
              Campaigns
            </button>
          )}
          {isAdmin && (
            <button type="button" aria-pressed={tab === 'admin'} onClick={() => setTab('admin')}>
              Admin
            </button>
          )}
        </nav>
        <span className={`connection ${connected ? 'ok' : 'off'}`} role="status" aria-label="Connection">
          {connected ? 'live' : 'connecting…'}
        </span>
        {notice && (
          <span className="notice" role="alert">
            {notice}
          </span>
        )}
        <AlertSettings
          prefs={alertPrefs}
          onChange={(prefs) => {
            setAlertPrefs(prefs);
            saveAlertPreferences(session.staff.id, prefs);
          }}
        />
        <button
          type="button"
          className="shortcuts-button"
          onClick={() => setHelpOpen(true)}
          aria-keyshortcuts="?"
        >
          Shortcuts (?)
        </button>
        {helpOpen && <ShortcutsHelp onClose={() => setHelpOpen(false)} />}
        <span className="me">
          {session.staff.name} ({session.staff.role})
        </span>
        <a href="/sandbox" className="muted">
          Sandbox phone
        </a>
        <button
          type="button"
          onClick={() => {
            live.close();
            void logout().finally(onSignedOut);
          }}
        >
          Sign out
        </button>
      </header>
      {tab === 'campaigns' ? (
        <CampaignsView live={live} />
      ) : tab === 'admin' ? (
        <AdminView meId={session.staff.id} onQueuesChanged={() => void loadQueues()} />
      ) : tab === 'supervisor' ? (
        <SupervisorView live={live} />
      ) : (
        <div
          className={`inbox ${selectedId ? 'has-selection' : 'no-selection'}${composing ? ' composing' : ''}`}
        >
          <nav className="queues" aria-label="Queues">
            <ul>
              <li>
                <button type="button" aria-pressed={queue === ''} onClick={() => setQueue('')}>
                  <span className="queue-name">All queues</span>
                  <span className="count unread" role="img" aria-label={`${totalUnread} unread`}>
                    {totalUnread} new
                  </span>
                </button>
              </li>
              {queues.map((q) => (
                <li key={q.id}>
                  <button type="button" aria-pressed={queue === q.id} onClick={() => setQueue(q.id)}>
                    <span className="queue-name">{q.name}</span>
                    {q.emergencies > 0 && (
                      <span className="badge red" role="img" aria-label={`${q.emergencies} emergencies`}>
                        {q.emergencies}
                      </span>
                    )}
                    <span className="count" role="img" aria-label={`${q.open} open`}>
                      {q.open}
                    </span>
                    {q.unread > 0 && (
                      <span className="count unread" role="img" aria-label={`${q.unread} unread`}>
                        {q.unread} new
                      </span>
                    )}
                    {q.slaBreached > 0 && <span className="count breached">{q.slaBreached} late</span>}
                    {q.failedSends > 0 && (
                      <span className="count failed" role="img" aria-label={`${q.failedSends} failed sends`}>
                        {q.failedSends} not sent
                      </span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <section className="list-pane" aria-label="Conversation list">
            <div className="filters">
              <input
                type="search"
                aria-label="Search conversations"
                placeholder="Search name, number, text"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
              />
              <select
                aria-label="Status"
                value={filters.status}
                onChange={(e) => setFilter('status', e.target.value)}
              >
                <option value="">Open &amp; pending</option>
                <option value="open">Open</option>
                <option value="pending">Pending</option>
                <option value="snoozed">Snoozed</option>
                <option value="resolved">Resolved</option>
                <option value="all">Any status</option>
              </select>
              <select
                aria-label="Assignee"
                value={filters.assignee}
                onChange={(e) => setFilter('assignee', e.target.value)}
              >
                <option value="">Anyone</option>
                <option value="me">Mine</option>
                <option value="unassigned">Unassigned</option>
              </select>
              <select
                aria-label="Urgency"
                value={filters.urgency}
                onChange={(e) => setFilter('urgency', e.target.value)}
              >
                <option value="">Any urgency</option>
                <option value="emergency">Emergency</option>
                <option value="urgent">Urgent</option>
                <option value="routine">Routine</option>
              </select>
              <select
                aria-label="Channel"
                value={filters.channel}
                onChange={(e) => setFilter('channel', e.target.value)}
              >
                <option value="">Any channel</option>
                {knownChannels().map(({ channel, title }) => (
                  <option key={channel} value={channel}>
                    {title}
                  </option>
                ))}
              </select>
              <select
                aria-label="Label"
                value={filters.label}
                onChange={(e) => setFilter('label', e.target.value)}
              >
                <option value="">Any label</option>
                {labels.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
              <select
                aria-label="Sort"
                value={filters.sort}
                onChange={(e) => setFilter('sort', e.target.value)}
              >
                <option value="priority">Most urgent first</option>
                <option value="activity">Newest first</option>
              </select>
            </div>
            {isSupervisor && <CannedResponseManager canned={canned} onChanged={() => void loadCanned()} />}
            {isSupervisor && (
              <LabelManager
                labels={labels}
                onChanged={() => {
                  void loadLabels();
                  void reloadListRef.current();
                }}
              />
            )}
            <BulkActions
              selected={items.filter((c) => checked.has(c.id)).map((c) => c.id)}
              labels={labels}
              queues={queues}
              meId={session.staff.id}
              onClear={() => setChecked(new Set())}
              onDone={() => {
                void reloadListRef.current();
                void loadQueues();
                if (selectedRef.current) void loadDetail(selectedRef.current);
              }}
            />
            {listError && (
              <p role="alert" className="error">
                {listError}
              </p>
            )}
            <ConversationList
              items={items}
              selectedId={selectedId}
              onSelect={setSelectedId}
              hasMore={nextCursor !== null}
              loading={loadingList}
              onLoadMore={() => void loadMore()}
              now={now}
              checked={checked}
              onCheck={(id, on) =>
                setChecked((now) => {
                  const next = new Set(now);
                  if (on) next.add(id);
                  else next.delete(id);
                  return next;
                })
              }
            />
          </section>
          <main className="thread-pane" aria-label="Conversation" tabIndex={-1}>
            {!selectedId && (
              <p className="empty">
                Pick a conversation (j/k to move, c claim, r reply, e resolve; ? lists them all).
              </p>
            )}
            {detailError && (
              <p role="alert" className="error">
                {detailError}
              </p>
            )}
            {detail && detail.id === selectedId && (
              <>
                <button type="button" className="back-to-list" onClick={() => setSelectedId(null)}>
                  ← Conversations
                </button>
                <ThreadActions
                  conversation={detail}
                  queues={queues}
                  meId={session.staff.id}
                  staff={isSupervisor ? (staff ?? []) : null}
                  act={act}
                />
                <Thread
                  conversation={detail}
                  typing={typing}
                  now={now}
                  override={{
                    intents,
                    queues,
                    onChanged: () => {
                      void loadDetail(detail.id);
                      void reloadListRef.current();
                      void loadQueues();
                    },
                  }}
                  onChanged={() => {
                    void loadDetail(detail.id);
                    void loadQueues();
                  }}
                />
                <button type="button" className="open-composer" onClick={() => setComposing(true)}>
                  Write a reply
                </button>
                <button type="button" className="back-to-thread" onClick={() => setComposing(false)}>
                  ← Conversation
                </button>
                <Composer
                  conversation={detail}
                  templates={templates}
                  cannedResponses={canned}
                  replyRef={replyRef}
                  onTyping={() => live.typing(detail.id)}
                  onSent={() => {
                    setComposing(false);
                    void loadDetail(detail.id);
                  }}
                />
              </>
            )}
          </main>
          {detail && detail.id === selectedId && (
            <ContactPanel
              conversation={detail}
              onChanged={() => {
                void loadDetail(detail.id);
                // A new name or address shows in the row too.
                void reloadList();
              }}
              onOpenConversation={setSelectedId}
            />
          )}
        </div>
      )}
    </div>
  );
}
