-- The mirror of Stripe objects. Every table keeps the raw object (jsonb) plus typed, indexed columns,
-- the version of the state held (`stripe_updated`, the event's `created` in Unix seconds) that the
-- ordering gate compares, the event that wrote it, and a tombstone (`deleted_at`) for deletions.
create table if not exists stripe_customers (
  id text primary key,
  livemode boolean not null,
  created bigint,
  email text,
  name text,
  user_id text,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index if not exists stripe_customers_user_id on stripe_customers (user_id);
create index if not exists stripe_customers_email on stripe_customers (email);

create table if not exists stripe_products (
  id text primary key,
  livemode boolean not null,
  created bigint,
  name text,
  active boolean,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);

create table if not exists stripe_prices (
  id text primary key,
  livemode boolean not null,
  created bigint,
  product text,
  active boolean,
  type text,
  unit_amount bigint,
  currency text,
  recurring_interval text,
  lookup_key text,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index if not exists stripe_prices_product on stripe_prices (product);
create index if not exists stripe_prices_lookup_key on stripe_prices (lookup_key);

create table if not exists stripe_payment_intents (
  id text primary key,
  livemode boolean not null,
  created bigint,
  customer text,
  status text,
  amount bigint,
  amount_received bigint,
  currency text,
  latest_charge text,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index if not exists stripe_payment_intents_customer on stripe_payment_intents (customer);
create index if not exists stripe_payment_intents_status on stripe_payment_intents (status);

create table if not exists stripe_charges (
  id text primary key,
  livemode boolean not null,
  created bigint,
  customer text,
  payment_intent text,
  status text,
  amount bigint,
  amount_refunded bigint,
  currency text,
  paid boolean,
  refunded boolean,
  disputed boolean,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index if not exists stripe_charges_customer on stripe_charges (customer);
create index if not exists stripe_charges_payment_intent on stripe_charges (payment_intent);

create table if not exists stripe_refunds (
  id text primary key,
  livemode boolean not null,
  created bigint,
  charge text,
  payment_intent text,
  status text,
  amount bigint,
  currency text,
  reason text,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index if not exists stripe_refunds_charge on stripe_refunds (charge);
create index if not exists stripe_refunds_payment_intent on stripe_refunds (payment_intent);

create table if not exists stripe_disputes (
  id text primary key,
  livemode boolean not null,
  created bigint,
  charge text,
  payment_intent text,
  status text,
  amount bigint,
  currency text,
  reason text,
  evidence_due_by bigint,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index if not exists stripe_disputes_charge on stripe_disputes (charge);
create index if not exists stripe_disputes_status on stripe_disputes (status);

create table if not exists stripe_checkout_sessions (
  id text primary key,
  livemode boolean not null,
  created bigint,
  customer text,
  status text,
  payment_status text,
  mode text,
  amount_total bigint,
  currency text,
  payment_intent text,
  subscription text,
  client_reference_id text,
  expires_at bigint,
  metadata jsonb not null default '{}',
  raw jsonb not null,
  stripe_updated bigint not null,
  stripe_event_id text,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index if not exists stripe_checkout_sessions_customer on stripe_checkout_sessions (customer);
create index if not exists stripe_checkout_sessions_payment_intent on stripe_checkout_sessions (payment_intent);
