-- The HTTP API token's SHA-256, when the service keeps it with its data (the default of
-- `fleet serve`): the first start of a database creates the token and prints it once.
CREATE TABLE api_token (
  id            integer PRIMARY KEY CHECK (id = 1),
  hash          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
