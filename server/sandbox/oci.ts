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

export type OciSeccompAction = 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';

export interface OciSeccompArg {
  index: number;
  value: number;
  /** The second operand of SCMP_CMP_MASKED_EQ (value is the mask). */
  valueTwo?: number;
  op:
    | 'SCMP_CMP_NE'
    | 'SCMP_CMP_LT'
    | 'SCMP_CMP_LE'
    | 'SCMP_CMP_EQ'
    | 'SCMP_CMP_GE'
    | 'SCMP_CMP_GT'
    | 'SCMP_CMP_MASKED_EQ';
}

export interface OciSeccompRule {
  names: string[];
  action: OciSeccompAction;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: OciSeccompAction;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: OciSeccompRule[];
}

export interface OciThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

/** linux.resources: crun maps these to the cgroup files of whichever layout the host has. */
export interface OciResources {
  devices: { allow: boolean; access: string }[];
  pids: { limit: number };
  /** `swap` is memory + swap (v1 memsw semantics); absent when the host cannot account swap. */
  memory: { limit: number; swap?: number };
  cpu: { quota: number; period: number; shares?: number; cpus?: string };
  blockIO?: {
    throttleReadBpsDevice: OciThrottleDevice[];
    throttleWriteBpsDevice: OciThrottleDevice[];
  };
  /** Raw cgroup v2 files, for settings with no portable field (cpu.weight). */
  unified?: Record<string, string>;
}

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    uidMappings: OciIdMapping[];
    gidMappings: OciIdMapping[];
    namespaces: { type: string }[];
    cgroupsPath: string;
    resources: OciResources;
    seccomp: OciSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}
