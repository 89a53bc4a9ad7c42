-- The address book of each account (`me/addresses`).
--
-- Like `users`, a relational table that is the source of truth, not a read model: the rules
-- (at most 20 entries, exactly one default while the book is not empty) are decided under the
-- lock of the owner's `users` row, and every change is also appended to `events` as an
-- account event (`AddressAdded`, `AddressUpdated`, `AddressRemoved`, `DefaultAddressChanged`)
-- in the same transaction. Carts and orders keep copies of an address, never a reference.

CREATE TABLE user_addresses
(
    id          uuid PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The customer's name for the entry (`Home`), if any.
    label       text,
    -- The shipping address, normalised as a cart keeps it.
    name        text        NOT NULL,
    line1       text        NOT NULL,
    line2       text,
    city        text        NOT NULL,
    postal_code text        NOT NULL,
    country     text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    is_default  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The book in its order (oldest first: the order the default is promoted in).
CREATE INDEX user_addresses_user ON user_addresses (user_id, created_at, id);
-- At most one default per account (the application keeps exactly one while it is not empty).
CREATE UNIQUE INDEX user_addresses_one_default ON user_addresses (user_id) WHERE is_default;
