-- Small durable values Coffer keeps between runs (for example the Events API cursor used by catch-up).
create table if not exists state (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);
