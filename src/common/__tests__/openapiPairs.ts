/**
 * Which reply (or request) type of src/common/types.ts answers to which
 * operation of openapi.json: read by openapiCheck.ts.
 */

/**
 * Reply (or request) types of types.ts and where the document has them. `doc`
 * is a type over the generated module's `paths` and `components`.
 */
export const PAIRS: Array<{ ts: string; doc: string; request?: boolean }> = [
  {
    ts: 'IKernelSpecsReply',
    doc: "Reply<'/kernel-manager/kernelspecs', 'get'>"
  },
  { ts: 'IKernelSpecDetails', doc: "Schema<'KernelspecDetails'>" },
  { ts: 'IKernelSpecEnvironment', doc: "Schema<'KernelspecEnvironment'>" },
  { ts: 'KernelSpecSource', doc: "Schema<'KernelspecDetails'>['source']" },
  { ts: 'KernelSpecLocation', doc: "Schema<'KernelspecDetails'>['location']" },
  {
    ts: 'IEditedKernelSpec',
    doc: "Reply<'/kernel-manager/kernelspecs/{name}', 'patch'>"
  },
  {
    ts: 'IEditKernelSpec',
    doc: "RequestBody<'/kernel-manager/kernelspecs/{name}', 'patch'>",
    request: true
  },
  { ts: 'InterruptMode', doc: "Schema<'KernelspecDetails'>['interrupt_mode']" },
  { ts: 'BackendName', doc: "Schema<'BackendName'>" },
  { ts: 'IBackend', doc: "Schema<'Backend'>" },
  { ts: 'IEnvironment', doc: "Schema<'Environment'>" },
  {
    ts: 'IEnvironmentsReply',
    doc: "Reply<'/kernel-manager/environments', 'get'>"
  },
  { ts: 'ISharedEnvironment', doc: "Schema<'SharedEnvironment'>" },
  {
    ts: 'ISharedEnvironmentsReply',
    doc: "Reply<'/kernel-manager/shared-environments', 'get'>"
  },
  {
    ts: 'IJobStarted',
    doc: "Reply<'/kernel-manager/shared-environments', 'post'>"
  },
  {
    ts: 'IBackendsReply',
    doc: "Reply<'/kernel-manager/backends', 'get'>"
  },
  {
    ts: 'ICreateEnvironment',
    doc: "RequestBody<'/kernel-manager/environments', 'post'>",
    request: true
  },
  { ts: 'IJobStarted', doc: "Reply<'/kernel-manager/environments', 'post'>" },
  {
    ts: 'IExportReply',
    doc: "Reply<'/kernel-manager/environments/{name}/export', 'get'>"
  },
  { ts: 'IRequirementsFile', doc: "Schema<'RequirementsFile'>", request: true },
  {
    ts: 'ICloneEnvironment',
    doc: "RequestBody<'/kernel-manager/environments/{name}/clone', 'post'>",
    request: true
  },
  {
    ts: 'IJobStarted',
    doc: "Reply<'/kernel-manager/environments/{name}/clone', 'post'>"
  },
  {
    ts: 'IJobStarted',
    doc: "Reply<'/kernel-manager/environments/{name}/packages', 'post'>"
  },
  { ts: 'JobState', doc: "Schema<'JobSummary'>['state']" },
  {
    ts: 'IJobSummary',
    doc: "Reply<'/kernel-manager/jobs/{job_id}', 'delete'>"
  },
  {
    ts: 'IJobSummary',
    doc: "Reply<'/kernel-manager/jobs', 'get'>['jobs'][number]"
  },
  { ts: 'IJobReply', doc: "Reply<'/kernel-manager/jobs/{job_id}', 'get'>" },
  {
    ts: 'IUserPackagesReply',
    doc: "Reply<'/kernel-manager/kernelspecs/{name}/user-packages', 'get'>"
  },
  {
    ts: 'IUserPackagesReply',
    doc: "Reply<'/kernel-manager/kernelspecs/{name}/user-packages/{package}', 'delete'>"
  },
  {
    ts: 'IJobStarted',
    doc: "Reply<'/kernel-manager/kernelspecs/{name}/user-packages', 'post'>"
  },
  {
    ts: 'IInstalledPackage',
    doc: "Reply<'/kernel-manager/environments/{name}/packages', 'get'>['packages'][number]"
  },
  { ts: 'ProcessKind', doc: "Schema<'Process'>['kind']" },
  { ts: 'IProcessSession', doc: "Schema<'ProcessSession'>" },
  { ts: 'IProcessInfo', doc: "Schema<'Process'>" },
  { ts: 'LimitSource', doc: "Schema<'LimitSource'>" },
  { ts: 'IUserProcesses', doc: "Schema<'UserProcesses'>" },
  { ts: 'IProcessesReply', doc: "Reply<'/kernel-manager/processes', 'get'>" },
  { ts: 'ICullingSettings', doc: "Schema<'CullingSettings'>" },
  { ts: 'IHistorySeries', doc: "Schema<'HistorySeries'>" },
  {
    ts: 'IHistoryReply',
    doc: "Reply<'/kernel-manager/processes/history', 'get'>"
  },
  { ts: 'SignalName', doc: "Schema<'SignalName'>" }
];
