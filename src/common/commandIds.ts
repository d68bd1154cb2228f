/**
 * Every command of the extension, in one place so that views and other
 * extensions can name them without importing a feature.
 */
export namespace CommandIDs {
  export const open = 'kernel-manager:open';
  export const refreshKernelSpecs = 'kernel-manager:refresh-kernelspecs';
  export const filterKernelSpecs = 'kernel-manager:filter-kernelspecs';
  export const newNotebook = 'kernel-manager:new-notebook';
  export const newConsole = 'kernel-manager:new-console';
  export const renameKernelSpec = 'kernel-manager:rename-kernelspec';
  export const removeKernelSpec = 'kernel-manager:remove-kernelspec';
  export const newEnvironment = 'kernel-manager:new-environment';
  export const refreshEnvironments = 'kernel-manager:refresh-environments';
  export const deleteEnvironment = 'kernel-manager:delete-environment';
  export const addPackages = 'kernel-manager:add-packages';
  export const listPackages = 'kernel-manager:list-packages';
  export const showJobLog = 'kernel-manager:show-job-log';
  export const cancelJob = 'kernel-manager:cancel-job';
  export const exportEnvironment = 'kernel-manager:export-environment';
  export const createEnvironmentFromFile =
    'kernel-manager:create-environment-from-file';
  export const cloneEnvironment = 'kernel-manager:clone-environment';
  export const refreshSharedEnvironments =
    'kernel-manager:refresh-shared-environments';
  export const listSharedPackages = 'kernel-manager:list-shared-packages';
  export const addSharedPackages = 'kernel-manager:add-shared-packages';
  export const deleteSharedEnvironment =
    'kernel-manager:delete-shared-environment';
  export const editKernelSpec = 'kernel-manager:edit-kernelspec';
  export const listUserPackages = 'kernel-manager:list-user-packages';
  export const addUserPackages = 'kernel-manager:add-user-packages';
  export const removeUserPackage = 'kernel-manager:remove-user-package';
  export const refreshProcesses = 'kernel-manager:refresh-processes';
  export const signalProcess = 'kernel-manager:signal-process';
  export const interruptKernel = 'kernel-manager:interrupt-kernel';
  export const restartKernel = 'kernel-manager:restart-kernel';
  export const shutdownKernel = 'kernel-manager:shutdown-kernel';
  export const shutdownTerminal = 'kernel-manager:shutdown-terminal';
  export const toggleAllUsers = 'kernel-manager:toggle-all-users';
  export const shutdownIdleKernels = 'kernel-manager:shutdown-idle-kernels';
  export const showProcessHistory = 'kernel-manager:show-process-history';
  export const hubRefresh = 'kernel-manager:hub-refresh';
  export const hubStartServer = 'kernel-manager:hub-start-server';
  export const hubStopServer = 'kernel-manager:hub-stop-server';
  export const hubDeleteUser = 'kernel-manager:hub-delete-user';
  export const hubControlPanel = 'kernel-manager:hub-control-panel';
  export const hubStartAll = 'kernel-manager:hub-start-all';
  export const hubStopAll = 'kernel-manager:hub-stop-all';
  export const hubNewServer = 'kernel-manager:hub-new-server';
  export const hubDeleteServer = 'kernel-manager:hub-delete-server';
  export const hubOpenServer = 'kernel-manager:hub-open-server';
}
