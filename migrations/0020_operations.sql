-- Outbound idempotency: every mutating Stripe call is an attempt of a business operation, recorded
-- here BEFORE the call. The attempt's key goes to Stripe as Idempotency-Key, so a retry after a crash
-- re-sends the stored request under the same key and Stripe replays its first answer.
create table if not exists operations (
  id bigserial primary key,
  -- What is being done, e.g. 'customer.create', 'checkout.create', 'refund.create'.
  kind text not null,
  -- Who and what the operation is about (user, target, parameter fingerprint); one operation per scope.
  scope_key text not null,
  -- Recorded before the call: generated, or the caller's own operation id.
  attempt_id text not null,
  -- The attempt this one follows ('' for the first). Unique per operation: two callers that both saw
  -- the same latest attempt cannot both start a new one; the loser re-reads and joins the winner.
  follows text not null,
  idempotency_key text not null unique,
  user_id text,
  status text not null check (status in ('pending', 'succeeded', 'failed', 'abandoned')),
  -- The exact parameters sent; a retry of a pending attempt re-sends these, never new ones.
  request jsonb not null,
  stripe_object_id text,
  result jsonb,
  error jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (kind, scope_key, attempt_id),
  unique (kind, scope_key, follows)
);

-- At most one attempt of an operation is in flight; concurrent callers share it (and its key).
create unique index if not exists operations_one_pending on operations (kind, scope_key) where status = 'pending';
create index if not exists operations_latest on operations (kind, scope_key, id desc);
create index if not exists operations_by_user on operations (user_id, id desc);
create index if not exists operations_by_object on operations (stripe_object_id);
