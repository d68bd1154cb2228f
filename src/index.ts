import { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { environmentsPlugin } from './environments/plugin';
import { hubPlugin } from './hub/plugin';
import { kernelsPlugin } from './kernelspecs/plugin';
import { panelPlugin } from './panel/plugin';
import { memoryStatusPlugin, processesPlugin } from './processes/plugin';

export { CommandIDs } from './common/commandIds';
export { IKernelManagerPanel, IProcessesSource } from './common/tokens';

/**
 * One plugin per part, so that an administrator can switch any of them off
 * (`jupyter labextension disable jupyterlab-kernel-manager:hub`) and the
 * rest keeps working.
 */
const plugins: JupyterFrontEndPlugin<any>[] = [
  panelPlugin,
  kernelsPlugin,
  environmentsPlugin,
  processesPlugin,
  memoryStatusPlugin,
  hubPlugin
];

export default plugins;
