/**
 * The subset of the OCI runtime spec (config.json) that Nestbox generates.
 * Field names follow https://github.com/opencontainers/runtime-spec/blob/main/config.md.
 */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciSeccompRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: { index: number; value: number; op: 'SCMP_CMP_EQ' }[];
}

export interface OciSeccomp {
  defaultAction: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  architectures: string[];
  syscalls: OciSeccompRule[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    uidMappings: OciIdMapping[];
    gidMappings: OciIdMapping[];
    namespaces: { type: string }[];
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; access: string }[];
      pids: { limit: number };
      memory: { limit: number; swap: number };
      cpu: { quota: number; period: number };
    };
    seccomp: OciSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}
