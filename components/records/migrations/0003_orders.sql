-- The product catalogue and orders. Money is in minor units (fen/cents). An order line keeps
-- the SKU, name and price of the day it was placed, so later catalogue changes do not rewrite
-- history.

CREATE TABLE product (
    id          TEXT PRIMARY KEY,
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE customer_order (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT NOT NULL REFERENCES customer (id),
    channel         TEXT NOT NULL CHECK (channel IN ('staff', 'web')),
    placed_at       TEXT NOT NULL,
    total           INTEGER NOT NULL,
    invoice_number  TEXT NOT NULL DEFAULT '',
    ship_date       TEXT,
    notes           TEXT NOT NULL DEFAULT '',
    entered_by      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
) STRICT;

CREATE INDEX customer_order_by_customer ON customer_order (customer_id, placed_at);

CREATE INDEX customer_order_by_placed ON customer_order (placed_at, id);

CREATE TABLE order_line (
    order_id      TEXT NOT NULL REFERENCES customer_order (id),
    line_no       INTEGER NOT NULL,
    product_id    TEXT NOT NULL REFERENCES product (id),
    sku           TEXT NOT NULL,
    product_name  TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    unit_price    INTEGER NOT NULL CHECK (unit_price >= 0),
    line_total    INTEGER NOT NULL,
    batch_number  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;

CREATE INDEX order_line_by_product ON order_line (product_id);
