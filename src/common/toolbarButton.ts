import { CommandToolbarButton, LabIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';

/**
 * An icon-only section toolbar button for a command; `caption` is its
 * accessible name and tooltip (the command's caption is the longer text of
 * the palette).
 */
export function commandButton(
  commands: CommandRegistry,
  id: string,
  icon: LabIcon,
  caption: string
): CommandToolbarButton {
  return new CommandToolbarButton({ commands, id, icon, label: '', caption });
}
