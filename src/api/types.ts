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
export type KernelSpecSource = 'user' | 'environment' | 'system';

/**
 * A finer-grained location than `KernelSpecSource`: `sys-prefix` is the
 * server's own Python prefix, `system` a machine-wide data directory.
 */
export type KernelSpecLocation = 'user' | 'environment' | 'sys-prefix' | 'system';

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
export interface IRenamedKernelSpec extends IKernelSpecDetails {
  display_name: string;
}
