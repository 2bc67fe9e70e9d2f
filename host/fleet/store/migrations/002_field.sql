-- The field loop (issue 16): cohorts, near misses, the host verifier's re-scores, staged
-- rollouts, signed commands and their acks.

-- Staged rollouts put devices into cohorts ("canary", "control"); everything else is "all".
ALTER TABLE devices ADD COLUMN cohort text NOT NULL DEFAULT 'all';

-- Near misses (captured feature windows under the threshold) share the detections table.
ALTER TABLE detections ADD COLUMN near_miss boolean NOT NULL DEFAULT false;
ALTER TABLE detections ADD COLUMN feature_scale real;
-- The host verifier's score for the detected keyword on the sent window; -1: not verifiable.
ALTER TABLE detections ADD COLUMN verifier_score real;
CREATE INDEX detections_unverified ON detections (id)
  WHERE features IS NOT NULL AND verifier_score IS NULL;
CREATE INDEX detections_device_model ON detections (device_id, model_id, model_version);
CREATE INDEX telemetry_device_model ON telemetry (device_id, model_id, model_version);

CREATE TABLE rollouts (
  id              bigserial PRIMARY KEY,
  fleet           text NOT NULL,
  model_id        text NOT NULL,
  version         integer NOT NULL,
  -- canary, promoted, rolled-back
  state           text NOT NULL,
  reason          text NOT NULL DEFAULT '',
  canary          text[] NOT NULL,
  control         text[] NOT NULL,
  max_fa_per_hour real NOT NULL,
  min_device_hours real NOT NULL,
  -- The revert command signed by the CLI at rollout time (hex), sent to the canary on rollback.
  revert_cmd      text NOT NULL,
  -- The figures of the last evaluation (canary and control cohorts).
  figures         jsonb NOT NULL DEFAULT '{}'::jsonb,
  deployment_id   bigint,
  created_at      timestamptz NOT NULL DEFAULT now(),
  decided_at      timestamptz,
  FOREIGN KEY (model_id, version) REFERENCES ota_artifacts (model_id, version)
);

CREATE TABLE commands (
  id              bigserial PRIMARY KEY,
  fleet           text NOT NULL,
  target          text NOT NULL,
  cmd_id          bigint NOT NULL,
  seq             bigint NOT NULL,
  op              text NOT NULL,
  body            jsonb NOT NULL,
  sent_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX commands_cmd_id ON commands (cmd_id);

CREATE TABLE command_acks (
  id              bigserial PRIMARY KEY,
  device_id       text NOT NULL,
  fleet           text NOT NULL,
  cmd_id          bigint NOT NULL,
  ok              boolean NOT NULL,
  error           text,
  received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX command_acks_cmd ON command_acks (cmd_id);
