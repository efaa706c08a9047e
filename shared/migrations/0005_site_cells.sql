-- Per-cell sums of the sites, so that clusters at low zoom read one row per occupied
-- zoom-10 tile instead of every site (docs/api-conventions.md#clusters,
-- docs/compatibility.md#sites-carry-a-tile-key). Additive: the original server ignores
-- the table, and the triggers keep it right for the rows it writes too. Statements are
-- separated by lines holding only `-- @@`.

-- One row per project, publish state and occupied zoom-10 tile (`sites.tile >> 28`):
-- how many sites, the sums of their coordinates (centroids), their bounding box and the
-- smallest site id (the site of a one-site cell).
CREATE TABLE IF NOT EXISTS site_cells (
    project_id INT NOT NULL,
    published BOOLEAN NOT NULL,
    cell INT UNSIGNED NOT NULL,
    n INT NOT NULL,
    lat_sum DOUBLE NOT NULL,
    lon_sum DOUBLE NOT NULL,
    west DOUBLE NOT NULL,
    south DOUBLE NOT NULL,
    east DOUBLE NOT NULL,
    north DOUBLE NOT NULL,
    first_id INT NOT NULL,
    CONSTRAINT pk_site_cells PRIMARY KEY (project_id, published, cell),
    CONSTRAINT fk_site_cells_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
)
-- @@
-- Recomputes one row from the sites, reading them with shared locks: a concurrent
-- insert into the same cell waits for this transaction (or this read waits for it), so
-- no site is lost between the count and the write. An empty cell loses its row.
CREATE OR REPLACE PROCEDURE site_cell_refresh(p INT, pub BOOLEAN, c INT UNSIGNED)
    MODIFIES SQL DATA
BEGIN
    DECLARE lo BIGINT UNSIGNED DEFAULT CAST(c AS UNSIGNED) << 28;
    DECLARE k INT;
    DECLARE la, lo_sum, w, s, e, nn DOUBLE;
    DECLARE fid INT;
    SELECT COUNT(*), SUM(location_lat), SUM(location_lon), MIN(location_lon),
           MIN(location_lat), MAX(location_lon), MAX(location_lat), MIN(id)
        INTO k, la, lo_sum, w, s, e, nn, fid
        FROM sites FORCE INDEX (idx_sites_tile)
        WHERE project_id = p AND tile BETWEEN lo AND lo | 268435455 AND published = pub
        LOCK IN SHARE MODE;
    IF k = 0 THEN
        DELETE FROM site_cells WHERE project_id = p AND published = pub AND cell = c;
    ELSE
        INSERT INTO site_cells
            (project_id, published, cell, n, lat_sum, lon_sum, west, south, east, north, first_id)
            VALUES (p, pub, c, k, la, lo_sum, w, s, e, nn, fid)
            ON DUPLICATE KEY UPDATE n = k, lat_sum = la, lon_sum = lo_sum, west = w,
                south = s, east = e, north = nn, first_id = fid;
    END IF;
END
-- @@
-- A new site adds itself to its cell's row.
CREATE OR REPLACE TRIGGER trg_sites_cells_insert AFTER INSERT ON sites FOR EACH ROW
BEGIN
    IF NEW.tile IS NOT NULL THEN
        INSERT INTO site_cells
            (project_id, published, cell, n, lat_sum, lon_sum, west, south, east, north, first_id)
            VALUES (NEW.project_id, NEW.published, NEW.tile >> 28, 1, NEW.location_lat,
                NEW.location_lon, NEW.location_lon, NEW.location_lat, NEW.location_lon,
                NEW.location_lat, NEW.id)
            ON DUPLICATE KEY UPDATE n = n + 1, lat_sum = lat_sum + NEW.location_lat,
                lon_sum = lon_sum + NEW.location_lon, west = LEAST(west, NEW.location_lon),
                south = LEAST(south, NEW.location_lat), east = GREATEST(east, NEW.location_lon),
                north = GREATEST(north, NEW.location_lat), first_id = LEAST(first_id, NEW.id);
    END IF;
END
-- @@
-- A publish, unpublish, move or change of project recomputes the cells it left and
-- entered; other updates (names, images, modifier) touch nothing.
CREATE OR REPLACE TRIGGER trg_sites_cells_update AFTER UPDATE ON sites FOR EACH ROW
BEGIN
    IF NOT (OLD.project_id <=> NEW.project_id AND OLD.published <=> NEW.published
            AND OLD.tile <=> NEW.tile AND OLD.location_lon <=> NEW.location_lon
            AND OLD.location_lat <=> NEW.location_lat) THEN
        IF OLD.tile IS NOT NULL THEN
            CALL site_cell_refresh(OLD.project_id, OLD.published, OLD.tile >> 28);
        END IF;
        IF NEW.tile IS NOT NULL AND NOT (OLD.project_id <=> NEW.project_id
                AND OLD.published <=> NEW.published AND OLD.tile >> 28 <=> NEW.tile >> 28) THEN
            CALL site_cell_refresh(NEW.project_id, NEW.published, NEW.tile >> 28);
        END IF;
    END IF;
END
-- @@
CREATE OR REPLACE TRIGGER trg_sites_cells_delete AFTER DELETE ON sites FOR EACH ROW
BEGIN
    IF OLD.tile IS NOT NULL THEN
        CALL site_cell_refresh(OLD.project_id, OLD.published, OLD.tile >> 28);
    END IF;
END
-- @@
-- Repair on every run: the rows of a database written without the triggers (before this
-- migration, or restored from a dump without them), then the rows of cells now empty.
INSERT INTO site_cells
    (project_id, published, cell, n, lat_sum, lon_sum, west, south, east, north, first_id)
    SELECT project_id, published, tile >> 28, COUNT(*), SUM(location_lat), SUM(location_lon),
           MIN(location_lon), MIN(location_lat), MAX(location_lon), MAX(location_lat), MIN(id)
        FROM sites WHERE tile IS NOT NULL
        GROUP BY project_id, published, tile >> 28
    ON DUPLICATE KEY UPDATE n = VALUES(n), lat_sum = VALUES(lat_sum), lon_sum = VALUES(lon_sum),
        west = VALUES(west), south = VALUES(south), east = VALUES(east),
        north = VALUES(north), first_id = VALUES(first_id)
-- @@
DELETE c FROM site_cells c
    LEFT JOIN (SELECT project_id, published, tile >> 28 AS cell FROM sites
               WHERE tile IS NOT NULL GROUP BY project_id, published, tile >> 28) g
        ON g.project_id = c.project_id AND g.published = c.published AND g.cell = c.cell
    WHERE g.cell IS NULL
