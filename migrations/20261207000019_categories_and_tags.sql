-- Categories and first-class tags.
--
-- * `taxonomy_slug` is the SQL twin of `commerce_aggregates::slug::slugify` (ASCII letters
--   lower-cased and digits kept, every run of other characters one `-`, none at the ends; a
--   text without ASCII letters or digits is `x-` and its UTF-8 bytes in hex). Only ASCII is
--   compared, so the result does not depend on the database's locale.
-- * `categories` and `tags` (projection `taxonomy`, category and tag events) hold the
--   categories and tags admins created.
-- * `catalog_products` gets the slug of its free-text category and of each tag. Products
--   whose category or tag names no created one still have a slug: the query side shows them
--   as implicit root categories and implicit tags. The existing rows are keyed here, so the
--   existing free-text categories become categories without a replay.

CREATE FUNCTION taxonomy_slug(value text)
    RETURNS text
    LANGUAGE sql
    IMMUTABLE
    STRICT
    PARALLEL SAFE
    RETURN CASE
        WHEN btrim(regexp_replace(translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                                                   'abcdefghijklmnopqrstuvwxyz'),
                                  '[^a-z0-9]+', '-', 'g'), '-') = ''
            THEN 'x-' || encode(convert_to(value, 'UTF8'), 'hex')
        ELSE btrim(regexp_replace(translate(value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                                                   'abcdefghijklmnopqrstuvwxyz'),
                                  '[^a-z0-9]+', '-', 'g'), '-')
    END;

CREATE TABLE categories
(
    slug        text PRIMARY KEY,
    name        text        NOT NULL,
    -- NULL at the root. A parent is always a created category (the domain checks it).
    parent_slug text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     bigint      NOT NULL
);

CREATE INDEX categories_parent ON categories (parent_slug);

CREATE TABLE tags
(
    slug       text PRIMARY KEY,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version    bigint      NOT NULL
);

ALTER TABLE catalog_products
    ADD COLUMN category_slug text   NOT NULL DEFAULT '',
    -- One slug per entry of `tags`, in the same order.
    ADD COLUMN tag_slugs     text[] NOT NULL DEFAULT '{}';

UPDATE catalog_products
SET category_slug = taxonomy_slug(category),
    tag_slugs     = ARRAY(SELECT taxonomy_slug(t.tag)
                          FROM unnest(tags) WITH ORDINALITY AS t(tag, n)
                          ORDER BY t.n);

CREATE INDEX catalog_products_category_slug ON catalog_products (category_slug);
CREATE INDEX catalog_products_tag_slugs ON catalog_products USING gin (tag_slugs);

-- Product reads show the current name of their category and tags: a change of either
-- invalidates every rendered product (see migration `catalog_changed`); such changes are
-- rare admin edits.
CREATE FUNCTION taxonomy_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalog_changed', '*');
    RETURN NULL;
END
$$;

CREATE TRIGGER categories_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION taxonomy_changed();
CREATE TRIGGER tags_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION taxonomy_changed();

-- The category `slug` and every category below it (with `slug` itself even when it names
-- no created category: an implicit one). UNION stops at a repeated node.
CREATE FUNCTION category_descendants(slug text)
    RETURNS SETOF text
    LANGUAGE sql
    STABLE
    PARALLEL SAFE
AS $$
    WITH RECURSIVE below(slug) AS (
        SELECT category_descendants.slug
        UNION
        SELECT c.slug FROM categories c JOIN below b ON c.parent_slug = b.slug
    )
    SELECT slug FROM below
$$;
