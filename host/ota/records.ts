/**
 * What the OTA service keeps: signed artifacts and deployments, and the part of a store it
 * needs to keep them. The fleet store implements `OtaStore` (host/fleet/store/types.ts builds
 * on these records), so OTA depends on no fleet module.
 */

export interface ArtifactRecord {
  modelId: string;
  version: number;
  size: number;
  sha256: Uint8Array;
  chunkSize: number;
  minRuntime: string;
  keyId: string | null;
  /** Encoded manifest (what was signed) and its Ed25519 signature. */
  manifest: Uint8Array;
  signature: Uint8Array;
  model: Uint8Array;
}

export interface DeploymentRecord {
  fleet: string;
  modelId: string;
  version: number;
  /** null: the whole fleet. */
  devices: string[] | null;
}

export interface DeploymentRow extends DeploymentRecord {
  id: number;
  createdAt: string;
}

/** The device an OTA request came from (its topic's fleet and device segments). */
export interface RequestOrigin {
  fleet: string;
  deviceId: string;
}

export interface OtaStore {
  /** Store a signed artifact; publishing the same (modelId, version) twice must be identical. */
  putArtifact(a: ArtifactRecord): Promise<void>;
  artifact(modelId: string, version: number): Promise<ArtifactRecord | undefined>;
  addDeployment(d: DeploymentRecord): Promise<DeploymentRow>;
}
