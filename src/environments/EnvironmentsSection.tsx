import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { addIcon, refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { commandButton } from '../common/toolbarButton';
import { WatchingSection } from '../common/WatchingSection';
import { EnvironmentList } from './EnvironmentList';
import { EnvironmentsModel } from './model';
import { SharedEnvironmentList } from './SharedEnvironmentList';
import { SharedEnvironmentsModel } from './sharedModel';

/**
 * The Environments section of the sidebar; it lists only while it is shown.
 */
export class EnvironmentsSection extends WatchingSection {
  constructor(options: EnvironmentsSection.IOptions) {
    super(
      ...(options.shared ? [options.model, options.shared] : [options.model])
    );
    const { model, shared, commands, trans } = options;
    this.id = 'jp-KernelManager-environments';
    this.addClass('jp-KernelManager-section');
    this.title.label = trans.__('Environments');
    this.title.caption = trans.__(
      'Your own Python environments and their kernels'
    );
    this.toolbar.addItem(
      'new',
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
        CommandIDs.refreshEnvironments,
        refreshIcon,
        trans.__('Refresh Environments')
      )
    );
    const body = ReactWidget.create(
      <div className="jp-KernelManager-envScroll">
        <EnvironmentList model={model} commands={commands} trans={trans} />
        {shared && (
          <SharedEnvironmentList
            model={shared}
            commands={commands}
            trans={trans}
          />
        )}
      </div>
    );
    body.addClass('jp-KernelManager-body');
    this.addWidget(body);
  }
}

export namespace EnvironmentsSection {
  export interface IOptions {
    model: EnvironmentsModel;
    /** Environments shared with every user, listed below the user's own. */
    shared?: SharedEnvironmentsModel;
    commands: CommandRegistry;
    trans: TranslationBundle;
  }
}
