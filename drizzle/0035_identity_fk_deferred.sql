-- An inbound request that lost the race for a new address (two first messages from one number at
-- once) used to insert its contact, fail to insert the identity, and delete that contact again. A
-- contact's delete checks every table that refers to contacts, and several (messages among them)
-- have no index on contact_id: the loser read the whole messages table inside the inbound
-- transaction. The identity's key to its contact is now checked at commit, so the identity goes in
-- first and the contact is created only by the request that won: no contact is ever created to be
-- deleted. careline_store_inbound is otherwise unchanged (see 0013).
ALTER TABLE "contact_identities" ALTER CONSTRAINT "contact_identities_contact_id_contacts_id_fk" DEFERRABLE INITIALLY DEFERRED;--> statement-breakpoint
CREATE OR REPLACE FUNCTION careline_store_inbound(
	p_org uuid,
	p_ids uuid[],
	p_channels text[],
	p_provider_ids text[],
	p_kinds text[],
	p_addresses text[],
	p_bodies text[],
	p_media jsonb[],
	p_to text[],
	p_meta jsonb[],
	p_request_ids text[]
) RETURNS TABLE (
	ord integer,
	message_id uuid,
	conversation_id uuid,
	contact_id uuid,
	duplicate boolean,
	event_id bigint,
	event_queue text,
	event_payload jsonb
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	v_new_contacts uuid[];
	v_new_kinds text[];
	v_new_addresses text[];
	v_inserted uuid[];
	v_event_ids bigint[];
	v_event_messages uuid[];
	v_event_queues text[];
	v_event_payloads jsonb[];
BEGIN
	-- 1. Contacts for addresses never seen, in address order (concurrent batches lock alike).
	SELECT array_agg(gen_random_uuid() ORDER BY w.k, w.a), array_agg(w.k ORDER BY w.k, w.a), array_agg(w.a ORDER BY w.k, w.a)
	INTO v_new_contacts, v_new_kinds, v_new_addresses
	FROM (SELECT DISTINCT k, a FROM unnest(p_kinds, p_addresses) AS u(k, a)) w
	WHERE (
		SELECT ci.contact_id FROM contact_identities ci
		WHERE ci.org_id = p_org AND ci.kind = w.k AND ci.address = w.a LIMIT 1
	) IS NULL;
	IF v_new_contacts IS NOT NULL THEN
		-- The identity first, then the contact only for the addresses this request won (the identity's
		-- key to its contact is checked at commit). Another request may create the same address first:
		-- then nothing of ours is written, and nothing needs deleting.
		WITH won AS (
			INSERT INTO contact_identities (id, org_id, contact_id, kind, address)
			SELECT gen_random_uuid(), p_org, n.c, n.k, n.a FROM unnest(v_new_contacts, v_new_kinds, v_new_addresses) AS n(c, k, a)
			ON CONFLICT (org_id, kind, address) DO NOTHING
			RETURNING contact_identities.contact_id
		)
		INSERT INTO contacts (id, org_id) SELECT won.contact_id, p_org FROM won;
	END IF;

	-- 2. An active conversation for every sender without one, in contact order.
	INSERT INTO conversations (id, org_id, contact_id)
	SELECT gen_random_uuid(), p_org, s.contact_id
	FROM (
		SELECT DISTINCT (
			SELECT ci.contact_id FROM contact_identities ci
			WHERE ci.org_id = p_org AND ci.kind = u.k AND ci.address = u.a LIMIT 1
		) AS contact_id
		FROM unnest(p_kinds, p_addresses) AS u(k, a)
	) s
	WHERE s.contact_id IS NOT NULL AND (
		SELECT cv.id FROM conversations cv WHERE cv.contact_id = s.contact_id AND cv.status <> 'resolved' LIMIT 1
	) IS NULL
	ORDER BY s.contact_id
	ON CONFLICT (contact_id) WHERE status <> 'resolved' DO NOTHING;

	-- 3. The messages (first copy of each provider id, in arrival order so created_at follows it),
	-- the conversations' activity (a patient writing reopens and unsnoozes), and one event each.
	WITH input AS (
		SELECT * FROM unnest(p_ids, p_channels, p_provider_ids, p_kinds, p_addresses, p_bodies, p_media, p_to, p_meta, p_request_ids)
			WITH ORDINALITY AS t(id, channel, provider_id, kind, address, body, media, to_address, meta, request_id, n)
	),
	firsts AS (
		SELECT DISTINCT ON (i.channel, i.provider_id) i.* FROM input i ORDER BY i.channel, i.provider_id, i.n
	),
	resolved AS (
		SELECT f.*, x.contact, x.conversation, x.queue
		FROM firsts f
		CROSS JOIN LATERAL (
			SELECT ci.contact_id AS contact, cv.id AS conversation, cv.queue
			FROM contact_identities ci
			JOIN conversations cv ON cv.contact_id = ci.contact_id AND cv.status <> 'resolved'
			WHERE ci.org_id = p_org AND ci.kind = f.kind AND ci.address = f.address
			LIMIT 1
		) x
		WHERE (
			SELECT m.id FROM messages m WHERE m.channel = f.channel AND m.provider_message_id = f.provider_id LIMIT 1
		) IS NULL
	),
	inserted AS (
		INSERT INTO messages (id, org_id, conversation_id, contact_id, direction, channel, body, media,
			from_address, to_address, provider_message_id, status, author_kind, channel_meta, request_id, created_at)
		SELECT r.id, p_org, r.conversation, r.contact, 'inbound', r.channel, r.body, r.media,
			r.address, r.to_address, r.provider_id, 'received', 'patient', r.meta, r.request_id, clock_timestamp()
		FROM (SELECT * FROM resolved ORDER BY n) r
		ON CONFLICT (channel, provider_message_id) DO NOTHING
		RETURNING messages.id, messages.conversation_id, messages.channel, messages.created_at
	),
	latest AS (
		SELECT DISTINCT ON (i.conversation_id) i.conversation_id, i.id
		FROM inserted i ORDER BY i.conversation_id, i.created_at DESC
	),
	touched AS (
		UPDATE conversations c SET last_activity_at = now(), updated_at = now(), status = 'open', last_message_id = l.id
		FROM latest l WHERE c.id = l.conversation_id
	),
	unsnoozed AS (
		DELETE FROM conversation_snoozes s WHERE s.conversation_id IN (SELECT l.conversation_id FROM latest l)
	),
	events AS (
		INSERT INTO hub_events (org_id, type, conversation_id, message_id, queue, payload)
		SELECT p_org, 'message.created', i.conversation_id, i.id, r.queue,
			jsonb_build_object('channel', i.channel, 'direction', 'inbound', 'status', 'received')
		FROM inserted i JOIN resolved r ON r.id = i.id
		ORDER BY i.created_at, i.id
		RETURNING hub_events.id, hub_events.message_id, hub_events.queue, hub_events.payload
	)
	-- (touched and unsnoozed run although nothing reads them: data-modifying WITH parts always do.)
	SELECT (SELECT array_agg(i.id) FROM inserted i),
		(SELECT array_agg(e.id ORDER BY e.id) FROM events e),
		(SELECT array_agg(e.message_id ORDER BY e.id) FROM events e),
		(SELECT array_agg(e.queue ORDER BY e.id) FROM events e),
		(SELECT array_agg(e.payload ORDER BY e.id) FROM events e)
	INTO v_inserted, v_event_ids, v_event_messages, v_event_queues, v_event_payloads;

	-- 4. A receipt per input, read in a new snapshot: a copy that a concurrent batch committed while
	-- this one waited on its conflict is visible here. Events come from the arrays just returned,
	-- not from another read of hub_events.
	RETURN QUERY
	SELECT t.n::integer, m.id, m.conversation_id, m.contact_id,
		NOT (m.id = ANY (coalesce(v_inserted, '{}'))) OR t.n > (
			SELECT min(t2.n) FROM unnest(p_channels, p_provider_ids) WITH ORDINALITY AS t2(channel, provider_id, n)
			WHERE t2.channel = t.channel AND t2.provider_id = t.provider_id
		),
		e.id, e.queue, e.payload
	FROM unnest(p_channels, p_provider_ids) WITH ORDINALITY AS t(channel, provider_id, n)
	LEFT JOIN LATERAL (
		SELECT m.id, m.conversation_id, m.contact_id FROM messages m
		WHERE m.channel = t.channel AND m.provider_message_id = t.provider_id LIMIT 1
	) m ON true
	LEFT JOIN unnest(v_event_ids, v_event_messages, v_event_queues, v_event_payloads) AS e(id, message_id, queue, payload)
		ON e.message_id = m.id
	ORDER BY t.n;
END;
$$;
