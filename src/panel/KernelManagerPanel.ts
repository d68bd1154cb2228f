import { TranslationBundle } from '@jupyterlab/translation';
import { kernelIcon, SidePanel } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { IKernelManagerPanel } from '../common/tokens';

/**
 * The sidebar panel; each part (kernels, environments, processes, hub) adds
 * itself as a section of its accordion.
 */
export class KernelManagerPanel
  extends SidePanel
  implements IKernelManagerPanel
{
  constructor(options: KernelManagerPanel.IOptions) {
    super({ translator: options.translator });
    const { trans } = options;
    this.id = 'jp-kernel-manager';
    this.addClass('jp-KernelManager');
    this.title.icon = kernelIcon;
    this.title.caption = trans.__('Kernel Manager');
  }

  addSection(section: Widget, rank: number): void {
    // Plugins activate in any order: keep the sections in rank order.
    let index = this._ranks.findIndex(other => other > rank);
    if (index < 0) {
      index = this._ranks.length;
    }
    this._ranks.splice(index, 0, rank);
    this.insertWidget(index, section);
    section.disposed.connect(() => {
      const at = this.widgets.indexOf(section);
      if (at >= 0) {
        this._ranks.splice(at, 1);
      }
    });
  }

  private _ranks: number[] = [];
}

export namespace KernelManagerPanel {
  export interface IOptions {
    trans: TranslationBundle;
    translator?: SidePanel.IOptions['translator'];
  }
}
