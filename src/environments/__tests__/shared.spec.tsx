import { KernelSpec } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import * as React from 'react';
import { IJobStarted, ISharedEnvironmentsReply } from '../../common/types';
import { EnvironmentForm } from '../EnvironmentForm';
import { EnvironmentsModel } from '../model';
import { SharedEnvironmentList } from '../SharedEnvironmentList';
import { SharedEnvironmentsClient } from '../sharedApi';
import { SharedEnvironmentsModel } from '../sharedModel';

// react-dom ships no types here: its server renderer, typed by hand.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { renderToStaticMarkup } = require('react-dom/server') as {
  renderToStaticMarkup: (element: React.ReactElement) => string;
};

const trans = nullTranslator.load('jupyterlab_kernel_manager');

const CLASS_ENV = {
  name: 'class',
  path: '/opt/tljh/user/kernel-manager/envs/class',
  backend: 'uv' as const,
  created_at: null,
  job: null,
  python_version: '3.12.1',
  size_bytes: 1024,
  kernelspec: 'class',
  display_name: 'Class environment',
  healthy: true,
  problem: null,
  shared: true as const
};

function reply(
  change: Partial<ISharedEnvironmentsReply> = {}
): ISharedEnvironmentsReply {
  return {
    enabled: true,
    can_manage: false,
    reason: 'Only hub admins may share environments with every user.',
    environments_dir: '/opt/tljh/user/kernel-manager/envs',
    kernels_dir: '/opt/tljh/user/share/jupyter/kernels',
    environments: [CLASS_ENV],
    ...change
  };
}

/** A model over a client answering `answer`, and what it was asked. */
function setUp(answer: ISharedEnvironmentsReply) {
  const started: IJobStarted = { job: 'j1', environment: 'new' };
  const client = {
    list: jest.fn(async () => answer),
    create: jest.fn(async () => started),
    remove: jest.fn(async () => []),
    packages: jest.fn(async () => []),
    addPackages: jest.fn(async () => started),
    export: jest.fn()
  };
  const followed: Array<[IJobStarted, string]> = [];
  const environments = {
    jobFinished: new Signal<unknown, unknown>({}),
    followStarted: (job: IJobStarted, kind: string) => {
      followed.push([job, kind]);
      return { id: job.job };
    }
  };
  const kernelspecs = { refreshSpecs: jest.fn(async () => undefined) };
  const model = new SharedEnvironmentsModel({
    client: client as unknown as SharedEnvironmentsClient,
    environments: environments as unknown as EnvironmentsModel,
    kernelspecs: kernelspecs as unknown as KernelSpec.IManager,
    interval: 60000
  });
  return { model, client, followed, kernelspecs };
}

function listed(model: SharedEnvironmentsModel): string {
  return renderToStaticMarkup(
    <SharedEnvironmentList
      model={model}
      commands={new CommandRegistry()}
      trans={trans}
    />
  );
}

describe('SharedEnvironmentsModel', () => {
  it('knows whether this user may manage, and why not', async () => {
    const { model } = setUp(reply());
    await model.refresh();
    expect(model.enabled).toBe(true);
    expect(model.canManage).toBe(false);
    expect(model.reason).toMatch(/hub admins/);
    expect(model.get('class')?.display_name).toBe('Class environment');
    model.dispose();
  });

  it('hands the jobs it starts to the environments model', async () => {
    const { model, client, followed } = setUp(reply({ can_manage: true }));
    await model.create({ name: 'new' });
    await model.addPackages('class', ['numpy']);
    expect(client.create).toHaveBeenCalledWith({ name: 'new' });
    expect(client.addPackages).toHaveBeenCalledWith('class', ['numpy']);
    expect(followed.map(([, kind]) => kind)).toEqual(['create', 'install']);
    model.dispose();
  });

  it('refreshes the kernelspecs after a removal, so launchers drop it', async () => {
    const { model, client, kernelspecs } = setUp(reply({ can_manage: true }));
    await model.remove('class', true);
    expect(client.remove).toHaveBeenCalledWith('class', true);
    expect(kernelspecs.refreshSpecs).toHaveBeenCalled();
    model.dispose();
  });
});

describe('SharedEnvironmentList', () => {
  it('shows users the shared environments read-only', async () => {
    const { model } = setUp(reply());
    await model.refresh();
    const html = listed(model);
    expect(html).toContain('Shared with every user');
    expect(html).toContain('Class environment');
    expect(html).toContain('>Packages<');
    expect(html).not.toContain('Add…');
    expect(html).not.toContain('Delete…');
    model.dispose();
  });

  it('gives an admin who may manage them Add and Delete', async () => {
    const { model } = setUp(reply({ can_manage: true, reason: null }));
    await model.refresh();
    const html = listed(model);
    expect(html).toContain('Add…');
    expect(html).toContain('Delete…');
    model.dispose();
  });

  it('shows nothing when sharing is off, or when there is nothing to show', async () => {
    const off = setUp(reply({ enabled: false, environments: [] }));
    await off.model.refresh();
    expect(listed(off.model)).toBe('');
    const none = setUp(reply({ environments: [] }));
    await none.model.refresh();
    expect(listed(none.model)).toBe('');
    off.model.dispose();
    none.model.dispose();
  });
});

describe('EnvironmentForm sharing', () => {
  const backends = {
    default_backend: 'uv' as const,
    backends: [
      {
        name: 'uv' as const,
        available: true,
        executable: '/usr/bin/uv',
        pythons: ['3.12'],
        default_python: '3.12',
        reason: null
      }
    ]
  };
  const form = (sharedDir: string | null, shared: boolean) =>
    new EnvironmentForm({
      trans,
      backends,
      environmentsDir: '/home/u/envs',
      sharedDir,
      initial: { name: 'class', shared }
    });

  it('offers “Share with every user” only to those who may share', () => {
    const offered = renderToStaticMarkup(form('/opt/envs', false).render());
    expect(offered).toContain('Share with every user');
    const withheld = renderToStaticMarkup(form(null, false).render());
    expect(withheld).not.toContain('Share with every user');
  });

  it('tells those who may not share why, without the choice', () => {
    const refused = new EnvironmentForm({
      trans,
      backends,
      environmentsDir: '/home/u/envs',
      sharedDir: null,
      shareRefusal: 'Only hub admins may share environments with every user.'
    });
    const html = renderToStaticMarkup(refused.render());
    expect(html).toContain('Only hub admins may share');
    expect(html).not.toContain('type="checkbox" name="shared"');
  });

  it('says where a shared environment goes, and never shares unoffered', () => {
    const sharing = form('/opt/envs', true);
    expect(sharing.values.shared).toBe(true);
    expect(renderToStaticMarkup(sharing.render())).toContain(
      'Created in /opt/envs/class'
    );
    expect(form(null, true).values.shared).toBe(false);
  });
});
