-- An order's returns, as the orders projection folds them from ReturnRequested,
-- ReturnApproved, ReturnRejected and ReturnReceived: a JSON array of {return_id, lines,
-- reason, status, requested_at, approved_at, rejected_at, rejection_reason, received_at,
-- restocked}. GET returns?status reads across orders from it.
ALTER TABLE order_views ADD COLUMN returns jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The return commands name a return, not its order: found through its ReturnRequested event.
CREATE INDEX events_return_id ON events (((payload -> 'ReturnRequested' ->> 'return_id')))
    WHERE event_type = 'ReturnRequested';
