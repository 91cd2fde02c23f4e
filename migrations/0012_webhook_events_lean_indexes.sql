-- Intake writes every event once; each index is one more write per event. No query reads events by
-- object, so that index goes (the ordering gate works on the mirror rows, not on the queue).
drop index if exists webhook_events_object;
