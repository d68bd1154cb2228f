import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { IUserPackagesReply } from '../../common/types';
import { offersUserPackages, UserPackagesModel } from '../userPackagesModel';
import { UserPackagesForm, UserPackagesView } from '../userPackagesView';

const trans = nullTranslator.load('jupyterlab_kernel_manager');

// react-dom ships no types here (no @types/react-dom): its server renderer,
// typed by hand, renders a view without a DOM.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { renderToStaticMarkup } = require('react-dom/server') as {
  renderToStaticMarkup: (element: React.ReactElement) => string;
};

const AVAILABLE: IUserPackagesReply = {
  available: true,
  reason: null,
  python_version: '3.11',
  user_site: '/home/u/.local/lib/python3.11/site-packages',
  packages: [
    { name: 'ipykernel', version: '7.4.0' },
    { name: 'tomli', version: '2.2.1' }
  ]
};

/**
 * A fake server: answers by method and path, records every request.
 */
function server(answer: (method: string, path: string, body: any) => any) {
  const requests: Array<{ method: string; path: string; body: any }> = [];
  const fetch = async (input: RequestInfo, init?: RequestInit) => {
    const request = input as Request;
    const url = new URL(request.url);
    const method = request.method ?? init?.method ?? 'GET';
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    // Without the cache-busting number ServerConnection appends.
    const path = (
      url.pathname.replace(/^.*\/kernel-manager\//, '') + url.search
    ).replace(/[?&]\d+$/, '');
    requests.push({ method, path, body });
    const [status, reply] = answer(method, path, body);
    return new Response(JSON.stringify(reply), {
      status,
      headers: { 'Content-Type': 'application/json' }
    });
  };
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost/',
    fetch: fetch as any
  });
  return { serverSettings, requests };
}

function job(state: string, log: string[], next: number) {
  return {
    id: 'j1',
    kind: 'user-install',
    environment: 'python3',
    state,
    exit_status: state === 'running' ? null : 0,
    error: null,
    started_at: 'x',
    finished_at: state === 'running' ? null : 'y',
    log,
    next
  };
}

describe('UserPackagesModel', () => {
  it('lists the user site of a spec, its name encoded', async () => {
    const { serverSettings, requests } = server(() => [200, AVAILABLE]);
    const model = new UserPackagesModel({ serverSettings, name: 'a b' });

    await model.refresh();

    expect(requests[0].path).toBe('kernelspecs/a%20b/user-packages');
    expect(model.reply).toEqual(AVAILABLE);
    expect(model.error).toBeNull();
    model.dispose();
  });

  it('follows an install to its end, then lists again', async () => {
    let polls = 0;
    const { serverSettings, requests } = server((method, path) => {
      if (method === 'POST') {
        return [202, { job: 'j1', environment: 'python3' }];
      }
      if (path.startsWith('jobs/')) {
        polls++;
        return [
          200,
          polls === 1
            ? job('running', ['$ python -m pip install --user tomli'], 1)
            : polls === 2
              ? job('succeeded', ['Successfully installed tomli'], 2)
              : job('succeeded', [], 2)
        ];
      }
      return [200, AVAILABLE];
    });
    const model = new UserPackagesModel({
      serverSettings,
      name: 'python3',
      interval: 10
    });

    await model.add(['tomli']);
    expect(model.busy).toBe(true);
    await new Promise<void>(resolve => {
      model.changed.connect(() => {
        if (model.job?.state === 'succeeded' && model.reply) {
          resolve();
        }
      });
    });

    expect(requests[0]).toEqual({
      method: 'POST',
      path: 'kernelspecs/python3/user-packages',
      body: { packages: ['tomli'] }
    });
    expect(requests.map(r => r.path)).toContain('jobs/j1?since=1');
    expect(model.log).toEqual([
      '$ python -m pip install --user tomli',
      'Successfully installed tomli'
    ]);
    expect(model.busy).toBe(false);
    model.dispose();
  });

  it('removes one package by its encoded name and keeps the reply', async () => {
    const after = { ...AVAILABLE, packages: [AVAILABLE.packages[0]] };
    const { serverSettings, requests } = server(() => [200, after]);
    const model = new UserPackagesModel({ serverSettings, name: 'python3' });

    await model.remove('zope.interface');

    expect(requests[0]).toMatchObject({
      method: 'DELETE',
      path: 'kernelspecs/python3/user-packages/zope.interface'
    });
    expect(model.reply).toEqual(after);
    model.dispose();
  });

  it('rejects with the server’s reason and is no longer busy', async () => {
    const { serverSettings } = server(() => [
      404,
      { message: 'pip is not in the user site', reason: 'not-installed' }
    ]);
    const model = new UserPackagesModel({ serverSettings, name: 'python3' });

    await expect(model.remove('pip')).rejects.toThrow(/not in the user site/);
    expect(model.busy).toBe(false);
    model.dispose();
  });
});

describe('UserPackagesView', () => {
  async function render(reply: IUserPackagesReply): Promise<string> {
    const { serverSettings } = server(() => [200, reply]);
    const model = new UserPackagesModel({ serverSettings, name: 'python3' });
    await model.refresh();
    const html = renderToStaticMarkup(
      <UserPackagesView
        model={model}
        trans={trans}
        commands={new CommandRegistry()}
      />
    );
    model.dispose();
    return html;
  }

  it('says plainly whom user-site packages apply to, with a Remove per package', async () => {
    const html = await render(AVAILABLE);

    expect(html).toContain(
      'Packages installed with --user apply to every kernel of Python 3.11 whose user site is on.'
    );
    expect(html).toContain('aria-label="Remove tomli"');
    expect(html).toContain('Add Packages…');
    expect(html).toContain(AVAILABLE.user_site);
  });

  it('offers nothing where there is no user site, and says why', async () => {
    const html = await render({
      available: false,
      reason: 'It is a virtual environment, whose user site is off.',
      python_version: '3.12',
      user_site: null,
      packages: []
    });

    expect(html).toContain('whose user site is off');
    expect(html).not.toContain('Add Packages');
    expect(html).not.toContain('Remove');
  });
});

describe('UserPackagesForm', () => {
  it('gives one requirement a line, without comments or repeats', () => {
    const form = new UserPackagesForm({
      trans,
      version: '3.11',
      initial: 'tomli\n\n# a comment\npandas>=2  # pinned\ntomli\n'
    });
    expect(form.getValue()).toEqual(['tomli', 'pandas>=2']);
  });
});

describe('offersUserPackages', () => {
  const details = {
    environment: null,
    interpreter_exists: true
  } as any;

  it('is offered for specs this extension did not make', () => {
    expect(offersUserPackages(details)).toBe(true);
    expect(
      offersUserPackages({
        ...details,
        environment: { path: '/e', backend: 'uv' }
      })
    ).toBe(false);
    expect(offersUserPackages({ ...details, interpreter_exists: false })).toBe(
      false
    );
    expect(offersUserPackages(null)).toBe(false);
  });
});
