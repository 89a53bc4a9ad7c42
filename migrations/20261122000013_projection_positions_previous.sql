-- A batch claims and moves its aggregates' positions with one statement
-- (`projections::batch::claim_all`). The column carries the batch's first sequence, negated,
-- into the conflict branch, and keeps the position the claim found there: RETURNING shows the
-- new row only. NULL on rows written otherwise (one event at a time, a replay); no reader
-- relies on it between batches.
ALTER TABLE projection_positions ADD COLUMN previous_sequence bigint;
