import { ServerConnection } from '@jupyterlab/services';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { CommandIDs } from '../../common/commandIds';
import { addHubCommands } from '../commands';
import { HubModel } from '../model';
import { ADMIN_SCOPES, FakeHub, json, processes, user } from './hubFake';

const trans = nullTranslator.load('jupyterlab_kernel_manager');

/**
 * The Hub commands of a page of `owner`'s server opened by `viewer`, whose
 * token holds `scopes`.
 */
async function commandsOf(
  owner: string,
  viewer: { name: string; admin: boolean },
  scopes: string[]
): Promise<{ commands: CommandRegistry; model: HubModel }> {
  const hub = new FakeHub()
    .on('GET', /^\/hub\/api\/user$/, () =>
      json(200, { ...user(viewer.name, ['']), admin: viewer.admin, scopes })
    )
    .on('GET', /^\/hub\/api\/users\/[^/]+$/, url =>
      json(200, user(decodeURIComponent(url.pathname.split('/')[4]), ['']))
    )
    .on('GET', /^\/hub\/api\/users$/, () =>
      json(200, { items: [], _pagination: { offset: 0, limit: 50, total: 0 } })
    );
  const model = new HubModel({
    serverSettings: ServerConnection.makeSettings(),
    client: hub.client(),
    user: owner,
    server: '',
    localProcesses: () => Promise.resolve(processes(1))
  });
  const commands = new CommandRegistry();
  addHubCommands({
    app: { commands } as unknown as JupyterFrontEnd,
    model,
    trans
  });
  await model.identify();
  return { commands, model };
}

describe('Hub commands', () => {
  it('offers an admin on their own server every admin command', async () => {
    const admin = { name: 'admin', admin: true };
    const { commands, model } = await commandsOf('admin', admin, ADMIN_SCOPES);

    for (const id of [CommandIDs.hubStartAll, CommandIDs.hubStopAll]) {
      expect(commands.isVisible(id)).toBe(true);
      expect(commands.isEnabled(id)).toBe(true);
    }
    expect(commands.isEnabled(CommandIDs.hubDeleteUser, { name: 'bob' })).toBe(
      true
    );
    expect(
      commands.isEnabled(CommandIDs.hubDeleteUser, { name: 'admin' })
    ).toBe(false);
    expect(commands.isEnabled(CommandIDs.hubStartServer, { user: 'bob' })).toBe(
      true
    );
    expect(commands.label(CommandIDs.hubNewServer)).toBe('New Named Server…');
    model.dispose();
  });

  it('offers an admin on alice’s server her servers only, though the token could do more', async () => {
    const { commands, model } = await commandsOf(
      'alice',
      { name: 'admin', admin: true },
      [...ADMIN_SCOPES, 'servers!user=alice']
    );

    for (const id of [CommandIDs.hubStartAll, CommandIDs.hubStopAll]) {
      expect(commands.isVisible(id)).toBe(false);
      expect(commands.isEnabled(id)).toBe(false);
    }
    expect(commands.isEnabled(CommandIDs.hubDeleteUser, { name: 'bob' })).toBe(
      false
    );
    expect(commands.isEnabled(CommandIDs.hubStartServer, { user: 'bob' })).toBe(
      false
    );
    expect(commands.isEnabled(CommandIDs.hubStopServer, { user: 'bob' })).toBe(
      false
    );
    expect(
      commands.isEnabled(CommandIDs.hubDeleteServer, {
        user: 'bob',
        server: 'gpu'
      })
    ).toBe(false);
    // Her own servers, named as hers.
    expect(
      commands.isEnabled(CommandIDs.hubStopServer, {
        user: 'alice',
        server: ''
      })
    ).toBe(true);
    expect(commands.isVisible(CommandIDs.hubNewServer)).toBe(true);
    expect(commands.label(CommandIDs.hubNewServer)).toBe(
      'New Named Server of alice…'
    );
    model.dispose();
  });

  it('offers a visitor who may not act on her servers only refresh and the hub', async () => {
    const { commands, model } = await commandsOf(
      'alice',
      { name: 'bob', admin: false },
      ['read:users:name!user=bob', 'access:servers!server=alice/']
    );

    expect(commands.isVisible(CommandIDs.hubNewServer)).toBe(false);
    expect(
      commands.isEnabled(CommandIDs.hubStopServer, {
        user: 'alice',
        server: ''
      })
    ).toBe(false);
    expect(
      commands.isEnabled(CommandIDs.hubStartServer, {
        user: 'alice',
        server: 'gpu'
      })
    ).toBe(false);
    expect(commands.isVisible(CommandIDs.hubStopAll)).toBe(false);
    expect(commands.isEnabled(CommandIDs.hubRefresh)).toBe(true);
    expect(commands.isEnabled(CommandIDs.hubControlPanel)).toBe(true);
    model.dispose();
  });
});
