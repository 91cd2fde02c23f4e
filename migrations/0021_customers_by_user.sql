-- One Stripe customer per app user (seed rule 4). A deleted customer's row stays as a tombstone
-- (deleted_at set) so a late event never resurrects it; the next ensure creates a new customer.
create table if not exists customers_by_user (
  customer_id text primary key,
  user_id text not null,
  email text,
  name text,
  -- How the mapping was made: created | recovered_search | recovered_email | recovered_operation | webhook.
  source text not null,
  deleted_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Exactly one live customer per user; concurrent writers meet here.
create unique index if not exists customers_by_user_live on customers_by_user (user_id) where deleted_at is null;
create index if not exists customers_by_user_user on customers_by_user (user_id);
