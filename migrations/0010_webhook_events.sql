-- The webhook pipeline's durable queue: one row per Stripe event (unique on the event id), written
-- before the delivery is acknowledged, claimed by workers with FOR UPDATE SKIP LOCKED and a lease.
create table if not exists webhook_events (
  id text primary key,
  type text not null,
  livemode boolean not null default false,
  api_version text,
  -- event.created (Unix seconds): the version the ordering gate compares.
  created bigint not null,
  object_type text,
  object_id text,
  account text,
  -- The verified body exactly as received (or the Events API object for catch-up).
  body text not null,
  source text not null default 'webhook',
  -- pending → processing → processed | (pending again with backoff) → dead
  status text not null default 'pending',
  attempts integer not null default 0,
  available_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  received_at timestamptz not null default now(),
  processed_at timestamptz
);

create index if not exists webhook_events_claimable on webhook_events (available_at) where status = 'pending';
create index if not exists webhook_events_leased on webhook_events (locked_until) where status = 'processing';
create index if not exists webhook_events_dead on webhook_events (received_at) where status = 'dead';
create index if not exists webhook_events_object on webhook_events (object_id, created);
create index if not exists webhook_events_received on webhook_events (received_at);

-- The side-effect ledger: one row per (event, handler) that completed, so a handler runs once per event.
create table if not exists webhook_side_effects (
  event_id text not null references webhook_events (id) on delete cascade,
  handler text not null,
  completed_at timestamptz not null default now(),
  primary key (event_id, handler)
);
