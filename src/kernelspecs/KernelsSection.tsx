import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  PanelWithToolbar,
  refreshIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { UUID } from '@lumino/coreutils';
import { Message } from '@lumino/messaging';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { commandButton } from '../common/toolbarButton';
import { KernelSpecList } from './KernelSpecList';
import { KernelSpecsModel } from './model';
import { IProcessesSource } from '../common/tokens';

/**
 * The Kernels section of the sidebar: a toolbar and the kernelspec list.
 */
export class KernelsSection extends PanelWithToolbar {
  constructor(options: KernelsSection.IOptions) {
    super();
    const { model, commands, trans, processes } = options;
    this.id = 'jp-KernelManager-kernels';
    this.addClass('jp-KernelManager-section');
    this.title.label = trans.__('Kernels');
    this.title.caption = trans.__('Kernelspecs you can launch');
    this.toolbar.addItem(
      'new-environment',
      commandButton(
        commands,
        CommandIDs.newEnvironment,
        addIcon,
        trans.__('New Environment…')
      )
    );
    this.toolbar.addItem(
      'refresh',
      commandButton(
        commands,
        CommandIDs.refreshKernelSpecs,
        refreshIcon,
        trans.__('Refresh Kernels')
      )
    );
    this._body = new KernelsBody({
      model,
      commands,
      trans,
      processes,
      section: this
    });
    this.addWidget(this._body);
  }

  /**
   * The model shown.
   */
  get model(): KernelSpecsModel {
    return this._body.model;
  }

  /**
   * The selected kernelspec's name: what commands act on when they are not
   * told a name.
   */
  get selected(): string | null {
    return this._selected;
  }
  set selected(name: string | null) {
    if (name !== this._selected) {
      this._selected = name;
      this._body.update();
    }
  }

  /**
   * Put the keyboard focus in the filter box.
   */
  focusFilter(): void {
    // The list may be built only now that the panel is shown: wait for it.
    let frames = 0;
    const attempt = () => {
      const input = this._body.filterRef.current;
      if (input) {
        input.focus();
        input.select();
      } else if (frames++ < 30) {
        requestAnimationFrame(attempt);
      }
    };
    attempt();
  }

  private _body: KernelsBody;
  private _selected: string | null = null;
}

export namespace KernelsSection {
  export interface IOptions {
    model: KernelSpecsModel;
    commands: CommandRegistry;
    trans: TranslationBundle;
    processes?: IProcessesSource;
  }
}

/**
 * The React body of the section.
 */
class KernelsBody extends ReactWidget {
  constructor(options: KernelsSection.IOptions & { section: KernelsSection }) {
    super();
    this.addClass('jp-KernelManager-body');
    this.model = options.model;
    this._commands = options.commands;
    this._trans = options.trans;
    this._section = options.section;
    this._processes = options.processes;
  }

  readonly model: KernelSpecsModel;
  readonly filterRef = React.createRef<HTMLInputElement>();

  render(): JSX.Element {
    return (
      <KernelSpecList
        model={this.model}
        commands={this._commands}
        trans={this._trans}
        listId={this._listId}
        selected={this._section.selected}
        onSelect={this._onSelect}
        filterRef={this.filterRef}
        processes={this._processes}
      />
    );
  }

  /**
   * A hidden list is not built: with a thousand specs that would stall every
   * page load for users who never open the panel. Showing it builds it.
   */
  protected onUpdateRequest(msg: Message): void {
    if (!this.isVisible) {
      this._stale = true;
      return;
    }
    this._stale = false;
    super.onUpdateRequest(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._stale) {
      this.update();
    }
  }

  private _onSelect = (name: string | null): void => {
    this._section.selected = name;
  };

  private _commands: CommandRegistry;
  private _trans: TranslationBundle;
  private _section: KernelsSection;
  private _processes?: IProcessesSource;
  private _listId = `jp-KernelManager-list-${UUID.uuid4()}`;
  private _stale = true;
}
