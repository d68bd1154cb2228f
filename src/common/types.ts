/**
 * Shapes of the JSON exchanged with the jupyterlab_kernel_manager server
 * extension. They mirror jupyterlab_kernel_manager/kernelspecs.py.
 */

/**
 * Where a kernelspec was found.
 *
 * `environment` is an environment created by this extension; `user` is the
 * user's own kernels directory; `system` is everything else.
 */
export type KernelSpecSource = 'user' | 'environment' | 'shared' | 'system';

/**
 * A finer-grained location than `KernelSpecSource`: `sys-prefix` is the
 * server's own Python prefix, `system` a machine-wide data directory.
 */
export type KernelSpecLocation =
  'user' | 'environment' | 'sys-prefix' | 'system';

/**
 * The environment a kernelspec belongs to, when this extension created it.
 */
export interface IKernelSpecEnvironment {
  path: string;
  backend: string;
}

/**
 * What the server knows of a kernelspec beyond `/api/kernelspecs`.
 */
export interface IKernelSpecDetails {
  name: string;
  resource_dir: string;
  source: KernelSpecSource;
  location: KernelSpecLocation;
  writable: boolean;
  interpreter: string | null;
  interpreter_exists: boolean;
  environment: IKernelSpecEnvironment | null;
  error: string | null;
  /** Its environment variables (only string values). */
  env: { [name: string]: string };
  /** What edits appended to its own command line. */
  extra_arguments: string[];
  interrupt_mode: InterruptMode;
}

/**
 * How a kernel is interrupted: a SIGINT, or an `interrupt_request` message.
 */
export type InterruptMode = 'signal' | 'message';

/**
 * Body of `PATCH /kernel-manager/kernelspecs/{name}`: any of these.
 */
export interface IEditKernelSpec {
  display_name?: string;
  /** Replaces the variables; null or {} removes them. */
  env?: { [name: string]: string } | null;
  /** Replaces earlier extra arguments; null or [] removes them. */
  extra_arguments?: string[] | null;
  interrupt_mode?: InterruptMode;
}

/**
 * Reply of `GET /kernel-manager/kernelspecs`.
 */
export interface IKernelSpecsReply {
  user_kernels_dir: string;
  kernelspecs: { [name: string]: IKernelSpecDetails };
}

/**
 * Reply of `PATCH /kernel-manager/kernelspecs/{name}`.
 */
export interface IEditedKernelSpec extends IKernelSpecDetails {
  display_name: string;
}

/**
 * The tools that can build an environment.
 */
export type BackendName = 'uv' | 'venv' | 'conda';

/**
 * A backend as the server detected it.
 */
export interface IBackend {
  name: BackendName;
  available: boolean;
  executable: string | null;
  /** Python versions a user may choose with this backend. */
  pythons: string[];
  /** Null when the backend is unavailable. */
  default_python: string | null;
  /** Why it is unavailable, or null. */
  reason: string | null;
}

/**
 * An environment created by this extension.
 */
export interface IEnvironment {
  name: string;
  path: string;
  /** Null while a creation's claim cannot be read yet. */
  backend: BackendName | null;
  python_version: string | null;
  size_bytes: number | null;
  kernelspec: string | null;
  display_name: string | null;
  healthy: boolean;
  problem: string | null;
  created_at: string | null;
  /** A job running on it (creation, packages), or null. */
  job: string | null;
}

/**
 * Reply of `GET /kernel-manager/environments`.
 */
export interface IEnvironmentsReply {
  environments_dir: string;
  max_environments: number;
  environments: IEnvironment[];
}

/**
 * An environment a hub admin shared with every user.
 */
export interface ISharedEnvironment extends IEnvironment {
  shared: true;
}

/**
 * Reply of `GET /kernel-manager/shared-environments`.
 */
export interface ISharedEnvironmentsReply {
  /** The administrator's root-owned settings file enables them. */
  enabled: boolean;
  /** This request may create, change and remove them. */
  can_manage: boolean;
  /** Why not, when `can_manage` is false. */
  reason: string | null;
  environments_dir: string;
  kernels_dir: string;
  environments: ISharedEnvironment[];
}

/**
 * Reply of `GET /kernel-manager/backends`: the tools that can build
 * environments, found in the background from the server's start.
 */
export interface IBackendsReply {
  default_backend: BackendName | null;
  backends: IBackend[];
}

/**
 * Body of `POST /kernel-manager/environments`.
 */
export interface ICreateEnvironment {
  name: string;
  display_name?: string;
  backend?: BackendName;
  python?: string;
  packages?: string[];
  system_site_packages?: boolean;
  requirements_file?: IRequirementsFile | null;
}

/**
 * The file formats an environment can be created from.
 */
export type RequirementsFileFormat =
  'requirements.txt' | 'pylock.toml' | 'environment.yml' | 'pyproject.toml';

/**
 * A user's requirements file, read by the client and sent whole.
 */
export interface IRequirementsFile {
  format: RequirementsFileFormat;
  content: string;
}

/**
 * The formats an environment can be exported as.
 */
export type ExportFormat =
  'requirements.txt' | 'pylock.toml' | 'environment.yml';

/**
 * Reply of GET environments/{name}/export.
 */
export interface IExportReply {
  environment: string;
  format: ExportFormat;
  filename: string;
  content: string;
  left_out: string[];
}

/**
 * Body of POST environments/{name}/clone.
 */
export interface ICloneEnvironment {
  name: string;
  display_name?: string | null;
}

/**
 * Reply of a request that started a job.
 */
export interface IJobStarted {
  job: string;
  environment: string;
}

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * A job without its log.
 */
export interface IJobSummary {
  id: string;
  kind: 'create' | 'install' | 'user-install' | 'clone';
  /** The environment; for `user-install`, the kernelspec's name. */
  environment: string;
  state: JobState;
  exit_status: number | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

/**
 * Reply of `GET /kernel-manager/jobs/{id}?since=N`.
 */
export interface IJobReply extends IJobSummary {
  /** Log lines from index `since` on. */
  log: string[];
  /** The `since` to ask for next. */
  next: number;
}

/**
 * A package installed in an environment.
 */
export interface IInstalledPackage {
  name: string;
  version: string;
}

/**
 * What a process is to the Jupyter server.
 */
export type ProcessKind = 'server' | 'kernel' | 'terminal' | 'child' | 'other';

/**
 * A session (notebook, console) using a kernel.
 */
export interface IProcessSession {
  id: string;
  path: string;
  name: string;
  type: string;
}

/**
 * One process, as `GET /kernel-manager/processes` reports it.
 */
export interface IProcessInfo {
  pid: number;
  ppid: number;
  name: string;
  cmdline: string[];
  user: string;
  state: string;
  /** Epoch seconds. */
  started_at: number;
  /** Since the previous scan; null the first time the process is seen. */
  cpu_percent: number | null;
  rss_bytes: number;
  uss_bytes: number | null;
  pss_bytes: number | null;
  threads: number;
  kind: ProcessKind;
  kernel: {
    id: string;
    kernelspec: string;
    execution_state: string;
    connections: number;
    /** Epoch seconds of its last message (the culler's clock), or null. */
    last_activity: number | null;
    sessions: IProcessSession[];
  } | null;
  terminal: { name: string } | null;
  ancestor: { kind: 'kernel' | 'terminal'; id: string } | null;
}

export type LimitSource = 'cgroup-v2' | 'cgroup-v1' | 'env' | 'machine';

/**
 * Processes of one other user, for admins.
 */
export interface IUserProcesses {
  user: string;
  /** The hub user whose server runs as this account, when the server knows. */
  hub_user: string | null;
  count: number;
  cpu_percent: number;
  rss_bytes: number;
  processes: IProcessInfo[];
}

/**
 * Reply of `GET /kernel-manager/processes`.
 */
export interface IProcessesReply {
  timestamp: number;
  user: string;
  server_pid: number;
  is_admin: boolean;
  processes: IProcessInfo[];
  totals: {
    count: number;
    cpu_percent: number;
    rss_bytes: number;
    uss_bytes: number | null;
  };
  limits: {
    /** The machine's own figure when nothing limits it (source 'machine'). */
    memory_bytes: number;
    memory_source: LimitSource;
    cpu_cores: number;
    cpu_source: LimitSource;
  };
  machine: { memory_bytes: number; cpu_count: number };
  /** How the server culls idle kernels; null when it does not. */
  culling: ICullingSettings | null;
  /** What the server keeps of its scans; null when the history is off. */
  history: { step: number; seconds: number } | null;
  /** Only when asked for every user, and allowed. */
  users?: IUserProcesses[];
}

/**
 * The server's `MappingKernelManager.cull_*` settings: seconds idle before a
 * kernel is shut down, seconds between two checks, and whether kernels with
 * open connections, and busy ones, are culled too.
 */
export interface ICullingSettings {
  idle_timeout: number;
  interval: number;
  connected: boolean;
  busy: boolean;
}

/** CPU (%, 100 = one core) and memory (bytes): a value per slot or null. */
export interface IHistorySeries {
  cpu: (number | null)[];
  memory: (number | null)[];
}

/**
 * Reply of `GET /kernel-manager/processes/history`: slots of `step` seconds,
 * the first starting at `start` (epoch seconds), `count` of them in every
 * series.
 */
export interface IHistoryReply {
  step: number;
  seconds: number;
  start: number;
  count: number;
  /** The user's total, as the Processes section's meter counts it. */
  total: IHistorySeries;
  /** Each kernel with its children, by kernel id. */
  kernels: { [id: string]: IHistorySeries };
  /** Admins with `all_users=1`: each other account's total. */
  users?: { [account: string]: IHistorySeries };
}

export type SignalName = 'INT' | 'TERM' | 'KILL';

/**
 * Reply of `GET` (and `DELETE .../{package}`) on
 * `/kernel-manager/kernelspecs/{name}/user-packages`: what lives in the user
 * site of a kernelspec's Python (`pip install --user`), or why it has none.
 */
export interface IUserPackagesReply {
  available: boolean;
  /** Why not, in a sentence; null when available. */
  reason: string | null;
  python_version: string | null;
  user_site: string | null;
  packages: IInstalledPackage[];
}
