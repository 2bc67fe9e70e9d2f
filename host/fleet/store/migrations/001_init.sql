-- earshot fleet schema v1. Device ids are globally unique (they are MQTT usernames, and the
-- broker ACL keys topics on them), so tables key on device_id and carry the fleet beside it.
-- Later issues add cohorts, staged rollouts and field false-accept monitoring in new numbered
-- files; this one only creates what ingest and OTA publishing need, with the columns they key on.

CREATE TABLE devices (
  device_id     text PRIMARY KEY,
  fleet         text NOT NULL,
  first_seen    timestamptz NOT NULL DEFAULT now(),
  last_seen     timestamptz NOT NULL DEFAULT now(),
  online        boolean,
  runtime       text,
  model_id      text,
  model_version integer,
  -- Free-form labels (site, hardware rev); cohorts for staged rollouts are derived from them.
  labels        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX devices_fleet ON devices (fleet);

-- One row per detection event; (device_id, seq) is the idempotency key of ingest.
CREATE TABLE detections (
  id            bigserial PRIMARY KEY,
  device_id     text NOT NULL,
  seq           bigint NOT NULL,
  fleet         text NOT NULL,
  device_ms     bigint NOT NULL,
  clock_synced  boolean NOT NULL,
  keyword       text NOT NULL,
  score         real NOT NULL,
  model_id      text NOT NULL,
  model_version integer NOT NULL,
  feature_shape integer[],
  features      bytea,
  received_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (device_id, seq)
);
-- False-accept monitoring reads detections per model and keyword over time windows.
CREATE INDEX detections_model ON detections (model_id, model_version, keyword, received_at);

CREATE TABLE telemetry (
  id            bigserial PRIMARY KEY,
  device_id     text NOT NULL,
  seq           bigint NOT NULL,
  fleet         text NOT NULL,
  device_ms     bigint NOT NULL,
  uptime_ms     bigint NOT NULL,
  model_id      text NOT NULL,
  model_version integer NOT NULL,
  frames        bigint NOT NULL,
  inferences    bigint NOT NULL,
  detections    bigint NOT NULL,
  near_misses   bigint NOT NULL,
  buffered      integer NOT NULL,
  dropped       integer NOT NULL,
  reconnects    integer NOT NULL,
  -- Stage timings, memory, battery/RSSI, score histogram, per-keyword counters.
  detail        jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telemetry_device ON telemetry (device_id, received_at);

CREATE TABLE status_history (
  id            bigserial PRIMARY KEY,
  device_id     text NOT NULL,
  fleet         text NOT NULL,
  online        boolean NOT NULL,
  device_ms     bigint NOT NULL,
  runtime       text NOT NULL,
  model_id      text,
  model_version integer,
  reason        text,
  received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_history_device ON status_history (device_id, received_at);

-- Signed artifacts as published: the service answers chunk requests from here.
CREATE TABLE ota_artifacts (
  model_id      text NOT NULL,
  version       integer NOT NULL,
  size          integer NOT NULL,
  sha256        bytea NOT NULL,
  chunk_size    integer NOT NULL,
  min_runtime   text NOT NULL,
  key_id        text,
  manifest      bytea NOT NULL,
  signature     bytea NOT NULL,
  model         bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, version)
);

-- One row per publish: which artifact went to which fleet and targets. `devices` NULL means the
-- whole fleet; the rollout issue adds cohort and stage columns.
CREATE TABLE ota_deployments (
  id            bigserial PRIMARY KEY,
  fleet         text NOT NULL,
  model_id      text NOT NULL,
  version       integer NOT NULL,
  devices       text[],
  created_at    timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (model_id, version) REFERENCES ota_artifacts (model_id, version)
);

-- Outcomes devices report; a redelivered report is the same row.
CREATE TABLE ota_outcomes (
  id            bigserial PRIMARY KEY,
  device_id     text NOT NULL,
  fleet         text NOT NULL,
  model_id      text NOT NULL,
  version       integer NOT NULL,
  outcome       text NOT NULL,
  detail        text,
  active_model_id text NOT NULL,
  active_version integer NOT NULL,
  device_ms     bigint NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (device_id, model_id, version, outcome, device_ms)
);

-- Monotonic ingest counters that must survive restarts (duplicates, rejected payloads).
CREATE TABLE ingest_counters (
  name          text PRIMARY KEY,
  value         bigint NOT NULL DEFAULT 0
);
INSERT INTO ingest_counters (name) VALUES ('duplicates'), ('rejected');
