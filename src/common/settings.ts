import { ISettingRegistry } from '@jupyterlab/settingregistry';

/**
 * Load a plugin's settings and call `apply` now and on every change; a
 * failure is logged and leaves the defaults in place.
 */
export function followSettings(
  registry: ISettingRegistry | null,
  pluginId: string,
  apply: (settings: ISettingRegistry.ISettings) => void
): void {
  if (!registry) {
    return;
  }
  registry
    .load(pluginId)
    .then(settings => {
      apply(settings);
      settings.changed.connect(() => apply(settings));
    })
    .catch(reason => {
      console.error(
        `Kernel manager: could not load the settings of ${pluginId}`,
        reason
      );
    });
}
