-- A caller-named operation (operationId) is one per (kind, who/what, id), whatever its parameters:
-- `named` holds that identity, so the same id sent again with other parameters is found and refused
-- instead of becoming a second operation (a second refund, a second payment). Null for unnamed attempts.
alter table operations add column if not exists named text;
create unique index if not exists operations_named on operations (kind, named) where named is not null;
