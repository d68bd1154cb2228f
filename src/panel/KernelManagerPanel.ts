import { TranslationBundle } from '@jupyterlab/translation';
import { kernelIcon, SidePanel } from '@jupyterlab/ui-components';

/**
 * The sidebar panel; each concern (kernels, environments, processes, hub)
 * is a section of its accordion.
 */
export class KernelManagerPanel extends SidePanel {
  constructor(options: KernelManagerPanel.IOptions) {
    super({ translator: options.translator });
    const { trans } = options;
    this.id = 'jp-kernel-manager';
    this.addClass('jp-KernelManager');
    this.title.icon = kernelIcon;
    this.title.caption = trans.__('Kernel Manager');
  }
}

export namespace KernelManagerPanel {
  export interface IOptions {
    trans: TranslationBundle;
    translator?: SidePanel.IOptions['translator'];
  }
}
