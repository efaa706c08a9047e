-- The Web-Mercator tile key of every site, for the clusters
-- (docs/api-conventions.md#clusters, docs/compatibility.md#sites-carry-a-tile-key).
-- Additive: the original server ignores the column, and the triggers key the rows it
-- writes too. Statements are separated by lines holding only `-- @@`.

-- The zoom-24 tile of (lon, lat), its y and x bits interleaved from the top (y the
-- higher of each pair): a tile of zoom z is the key's top 2 z bits. The same operations,
-- in the same order, as `geo::tile_xy` and `geo::interleave` (shared/src/geo.rs).
-- NULL for a NULL coordinate.
CREATE OR REPLACE FUNCTION site_tile(lon DOUBLE, lat DOUBLE) RETURNS BIGINT UNSIGNED
    DETERMINISTIC NO SQL
BEGIN
    DECLARE n DOUBLE DEFAULT 16777216;
    DECLARE la DOUBLE;
    DECLARE x, y BIGINT UNSIGNED;
    DECLARE k BIGINT UNSIGNED DEFAULT 0;
    DECLARE i INT DEFAULT 23;
    IF lon IS NULL OR lat IS NULL THEN
        RETURN NULL;
    END IF;
    SET la = RADIANS(LEAST(GREATEST(lat, -85.0511287798066), 85.0511287798066));
    SET x = LEAST(GREATEST(FLOOR((lon + 180) / 360 * n), 0), n - 1);
    SET y = LEAST(GREATEST(FLOOR((1 - LN(TAN(la) + 1 / COS(la)) / PI()) / 2 * n), 0), n - 1);
    WHILE i >= 0 DO
        SET k = (k << 2) | (((y >> i) & 1) << 1) | ((x >> i) & 1);
        SET i = i - 1;
    END WHILE;
    RETURN k;
END
-- @@
-- The key, and copies of the coordinates (`location_lon` = ST_X, `location_lat` = ST_Y),
-- so that the index below covers a cluster query: it never reads the rows.
ALTER TABLE sites
    ADD COLUMN IF NOT EXISTS tile BIGINT UNSIGNED NULL,
    ADD COLUMN IF NOT EXISTS location_lon DOUBLE NULL,
    ADD COLUMN IF NOT EXISTS location_lat DOUBLE NULL
-- @@
-- Also serves the project foreign key (InnoDB then drops the index it made for it).
CREATE INDEX IF NOT EXISTS idx_sites_tile
    ON sites (project_id, tile, published, creator_id, location_lon, location_lat)
-- @@
CREATE OR REPLACE TRIGGER trg_sites_tile_insert BEFORE INSERT ON sites FOR EACH ROW
BEGIN
    SET NEW.location_lon = ST_X(NEW.location);
    SET NEW.location_lat = ST_Y(NEW.location);
    SET NEW.tile = site_tile(NEW.location_lon, NEW.location_lat);
END
-- @@
CREATE OR REPLACE TRIGGER trg_sites_tile_update BEFORE UPDATE ON sites FOR EACH ROW
BEGIN
    SET NEW.location_lon = ST_X(NEW.location);
    SET NEW.location_lat = ST_Y(NEW.location);
    SET NEW.tile = site_tile(NEW.location_lon, NEW.location_lat);
END
-- @@
-- Rows from before the triggers (the update trigger computes the columns). `modified_at`
-- is assigned itself so that its ON UPDATE CURRENT_TIMESTAMP leaves it alone.
UPDATE sites SET tile = site_tile(ST_X(location), ST_Y(location)), modified_at = modified_at
    WHERE tile IS NULL OR location_lon IS NULL OR location_lat IS NULL
