/**
 * @module Schema migrations, applied in order on open; PRAGMA user_version records the last one.
 * Never edit a released migration: add the next one.
 */

export const MIGRATIONS: readonly string[] = [
  // 1: nodes and raw samples, one row per node and timestamp.
  `CREATE TABLE nodes (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     grp TEXT NOT NULL DEFAULT '',
     location TEXT NOT NULL DEFAULT '',
     key_hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     host TEXT,
     last_seen INTEGER,
     is_local INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE samples (
     node_id INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     vals TEXT NOT NULL,
     PRIMARY KEY (node_id, ts)
   ) WITHOUT ROWID;`,
  // 2: history in compressed blocks per node, tier and time span (see codec.ts, tiers.ts).
  // `samples` stays as the head: recent raw samples not yet packed into a block.
  `CREATE TABLE metric_names (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE
   );
   CREATE TABLE blocks (
     node_id INTEGER NOT NULL,
     tier INTEGER NOT NULL,
     start_ts INTEGER NOT NULL,
     count INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (node_id, tier, start_ts)
   ) WITHOUT ROWID;`,
  // 3: the head becomes a journal: one row per ingest flush holding all its samples, as
  // {"f":1,"s":[[nodeId,seq,ts,[metricId,value,…]],…]}. Rows from the old head move over in
  // format 0 ([nodeId,seq,ts,{name:value}]).
  `CREATE TABLE journal (
     id INTEGER PRIMARY KEY,
     max_ts INTEGER NOT NULL,
     data TEXT NOT NULL
   );
   INSERT INTO journal (max_ts, data)
     SELECT max(ts), json_object('f', 0, 's', json_group_array(json_array(node_id, seq, ts, json(vals)))) FROM samples HAVING count(*) > 0;
   DROP TABLE samples;`,
  // 4: alert states per rule and node, so a restart neither loses a firing alert nor sends it again.
  `CREATE TABLE alert_state (
     rule TEXT NOT NULL,
     node_id INTEGER NOT NULL,
     state TEXT NOT NULL,
     PRIMARY KEY (rule, node_id)
   ) WITHOUT ROWID;`,
  // 5: each node's traffic counter for the current billing period (JSON text owned by src/server/fleet/traffic.ts).
  `CREATE TABLE traffic (
     node_id INTEGER PRIMARY KEY,
     state TEXT NOT NULL
   );`,
  // 6: alert events (fired, resolved), kept 90 days, for GET /api/alerts.
  `CREATE TABLE alert_events (
     id INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     rule TEXT NOT NULL,
     node_id INTEGER NOT NULL,
     state TEXT NOT NULL,
     severity TEXT NOT NULL,
     value REAL,
     text TEXT NOT NULL,
     silenced INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX alert_events_ts ON alert_events (ts);`,
  // 7: the admin: password (scrypt), sessions (token hashes), settings changed from the admin
  // (key/value JSON), silences made from the admin, and node flags set there.
  `CREATE TABLE admin_settings (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE sessions (
     token_hash TEXT PRIMARY KEY,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // 8: node flags set in the admin: hidden from guests (NULL follows the config file) and place on the page.
  `ALTER TABLE nodes ADD COLUMN hidden INTEGER;
   ALTER TABLE nodes ADD COLUMN position INTEGER NOT NULL DEFAULT 0;`,
  // 9: blocks by tier and age, so retention finds expired blocks of every node in one query (one
  // query per node and tier took 0.6 s at 10 000 nodes, every minute, even with nothing to delete).
  `CREATE INDEX blocks_by_age ON blocks (tier, start_ts);`,
  // 10: which node uses which metric name, so each node's names are counted against its budget
  // and deleted with it (one node once left 125 000 names behind). Databases from before do not
  // know this yet: metric_census holds the census's place while it reads their blocks (see
  // metric-census.ts); it has no row when there is nothing to count (no names, no journal rows).
  `CREATE TABLE node_metrics (
     node_id INTEGER NOT NULL,
     metric_id INTEGER NOT NULL,
     PRIMARY KEY (node_id, metric_id)
   ) WITHOUT ROWID;
   CREATE INDEX node_metrics_by_metric ON node_metrics (metric_id);
   CREATE TABLE metric_census (
     node_id INTEGER NOT NULL,
     tier INTEGER NOT NULL,
     start_ts INTEGER NOT NULL
   );
   INSERT INTO metric_census SELECT -1, 0, 0 WHERE EXISTS (SELECT 1 FROM metric_names) OR EXISTS (SELECT 1 FROM journal);`,
  // 11: service checks (src/checks), matched to the config file by name. A check's history is a
  // series like a node's, in the same journal and blocks, under series_id: CHECK_SERIES_BASE + id,
  // far above any node id, so the tiers, rollups and retention serve both without a second schema.
  `CREATE TABLE checks (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     series_id INTEGER NOT NULL UNIQUE,
     created_at INTEGER NOT NULL
   );`,
  // 12: the admin's audit log: what changed, when, from which address (the newest 1 000 kept).
  `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     address TEXT NOT NULL,
     action TEXT NOT NULL
   );`,
  // 13: remote write (src/server/remote): the samples stored for the first time, one row per ingest
  // flush in the journal's format, kept until every remote-write target has sent them; and per
  // target the last row it sent whole, with the window it is sending (rows after_id..to_id) and
  // how many of that window's requests were accepted. AUTOINCREMENT: ids are never reused, even
  // once every row is deleted, so a cursor never points at a row written after it.
  `CREATE TABLE remote_outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     samples INTEGER NOT NULL,
     data BLOB NOT NULL
   );
   CREATE TABLE remote_cursor (
     target TEXT PRIMARY KEY,
     after_id INTEGER NOT NULL,
     to_id INTEGER NOT NULL,
     requests_done INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];
