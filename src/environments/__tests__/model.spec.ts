import { KernelSpec } from '@jupyterlab/services';
import { PromiseDelegate } from '@lumino/coreutils';
import { KernelManagerAPIError } from '../../common/request';
import { EnvironmentsClient } from '../api';
import {
  IBackendsReply,
  IEnvironment,
  IEnvironmentsReply,
  IJobReply,
  IJobSummary
} from '../../common/types';
import { EnvironmentsModel } from '../model';
import { JobModel } from '../jobs';

/** What the server answers on a route an administrator switched off. */
function switchedOff(): KernelManagerAPIError {
  return new KernelManagerAPIError(
    new Response(null, { status: 404 }),
    'An administrator has switched environments off on this server.',
    'switched-off'
  );
}

function environment(
  name: string,
  extra: Partial<IEnvironment> = {}
): IEnvironment {
  return {
    name,
    path: `/home/u/envs/${name}`,
    backend: 'uv',
    python_version: '3.11.7',
    size_bytes: 80_000_000,
    kernelspec: name,
    display_name: `Python (${name})`,
    healthy: true,
    problem: null,
    created_at: null,
    job: null,
    ...extra
  };
}

/**
 * The environment routes of the server, kept in memory.
 */
class FakeServer {
  reply: IEnvironmentsReply = {
    environments_dir: '/home/u/envs',
    max_environments: 20,
    environments: []
  };
  backendsReply: IBackendsReply = {
    default_backend: 'uv',
    backends: [
      {
        name: 'uv',
        available: true,
        executable: '/usr/bin/uv',
        pythons: ['3.11'],
        default_python: '3.11',
        reason: null
      },
      {
        name: 'conda',
        available: false,
        executable: null,
        pythons: [],
        default_python: '',
        reason: 'not on PATH'
      }
    ]
  };
  /** Settles the pending backends request (the server's detection ends). */
  backendsFound = new PromiseDelegate<void>();
  jobStates = new Map<string, IJobSummary['state']>();
  running: IJobSummary[] = [];
  listFails: Error | null = null;
  calls: string[] = [];

  async list(): Promise<IEnvironmentsReply> {
    this.calls.push('list');
    if (this.listFails) {
      throw this.listFails;
    }
    return JSON.parse(JSON.stringify(this.reply));
  }
  async backends(): Promise<IBackendsReply> {
    this.calls.push('backends');
    await this.backendsFound.promise;
    return JSON.parse(JSON.stringify(this.backendsReply));
  }
  async create(request: { name: string }) {
    this.calls.push(`create ${request.name}`);
    this.jobStates.set('job-1', 'running');
    return { job: 'job-1', environment: request.name };
  }
  async addPackages(name: string, packages: string[]) {
    this.calls.push(`add ${name} ${packages.join(',')}`);
    this.jobStates.set('job-2', 'running');
    return { job: 'job-2', environment: name };
  }
  async remove(name: string, force = false) {
    this.calls.push(`remove ${name} ${force}`);
    this.reply.environments = this.reply.environments.filter(
      e => e.name !== name
    );
    return force ? ['kernel-1'] : [];
  }
  async jobs(): Promise<IJobSummary[]> {
    return this.running;
  }
  async job(id: string): Promise<IJobReply> {
    const state = this.jobStates.get(id) ?? 'running';
    return {
      id,
      kind: id === 'job-2' ? 'install' : 'create',
      environment: 'env1',
      state,
      exit_status: state === 'succeeded' ? 0 : null,
      error: null,
      started_at: '2026-12-03T12:00:00+00:00',
      finished_at: null,
      log: [],
      next: 0
    };
  }
}

class FakeSpecs {
  refreshes = 0;
  async refreshSpecs(): Promise<void> {
    this.refreshes++;
  }
}

function setup() {
  const server = new FakeServer();
  const specs = new FakeSpecs();
  const model = new EnvironmentsModel({
    client: server as unknown as EnvironmentsClient,
    kernelspecs: specs as unknown as KernelSpec.IManager,
    interval: 60_000
  });
  return { server, specs, model };
}

const settle = () => new Promise(resolve => setTimeout(resolve, 0));

async function until(test: () => boolean, timeout = 5000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeout) {
      throw new Error('timed out');
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

describe('EnvironmentsModel', () => {
  it('lists environments without waiting for the backends', async () => {
    const { model, server } = setup();
    server.reply.environments = [environment('env1')];
    // The server is still finding backends: the listing does not wait.
    const backends = model.backends();
    await model.refresh();
    expect(model.status).toBe('ready');
    expect(model.environments.map(e => e.name)).toEqual(['env1']);
    expect(model.environmentsDir).toBe('/home/u/envs');
    expect(model.knownBackends).toBeNull();
    server.backendsFound.resolve();
    expect((await backends).default_backend).toBe('uv');
    expect(model.knownBackends?.backends.map(b => b.name)).toEqual([
      'uv',
      'conda'
    ]);
    model.dispose();
  });

  it('asks for the backends once, however many forms wait for them', async () => {
    const { model, server } = setup();
    server.backendsFound.resolve();
    const [first, second] = await Promise.all([
      model.backends(),
      model.backends()
    ]);
    await model.backends();
    expect(first).toBe(second);
    expect(server.calls.filter(call => call === 'backends')).toHaveLength(1);
    model.dispose();
  });

  it('polls only while watched', async () => {
    const server = new FakeServer();
    const model = new EnvironmentsModel({
      client: server as unknown as EnvironmentsClient,
      kernelspecs: new FakeSpecs() as unknown as KernelSpec.IManager,
      interval: 1000
    });
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(server.calls.filter(call => call === 'list')).toHaveLength(0);
    const watch = model.watch();
    await until(() => model.status === 'ready');
    expect(server.calls.filter(call => call === 'list')).toHaveLength(1);
    watch.dispose();
    model.dispose();
  });

  it('says so when an administrator switched the routes off', async () => {
    const { model, server } = setup();
    server.listFails = switchedOff();
    await model.refresh();
    expect(model.status).toBe('off');
    expect(model.error).toBeNull();
    model.dispose();
  });

  it('emits changed only when the listing changed', async () => {
    const { model, server } = setup();
    await model.refresh();
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.refresh();
    expect(changes).toBe(0);
    server.reply.environments = [environment('env1')];
    await model.refresh();
    expect(changes).toBe(1);
    model.dispose();
  });

  it('follows a creation job and, once it ends, refreshes the kernelspecs', async () => {
    const { model, server, specs } = setup();
    const started: JobModel[] = [];
    const finished: JobModel[] = [];
    model.jobStarted.connect((_, job) => started.push(job));
    model.jobFinished.connect((_, job) => finished.push(job));

    const job = await model.create({ name: 'env1', backend: 'uv' });
    expect(server.calls).toContain('create env1');
    expect(started).toEqual([job]);
    expect(model.job(job.id)).toBe(job);
    expect(job.kind).toBe('create');

    server.reply.environments = [environment('env1')];
    server.jobStates.set(job.id, 'succeeded');
    await until(() => finished.length === 1);
    expect(job.state).toBe('succeeded');
    expect(specs.refreshes).toBe(1);
    await until(() => model.get('env1') !== undefined);
    model.dispose();
  });

  it('picks up jobs still running on the server after a reload', async () => {
    const server = new FakeServer();
    server.running = [
      {
        id: 'old',
        kind: 'create',
        environment: 'env9',
        state: 'running',
        exit_status: null,
        error: null,
        started_at: '2026-12-03T12:00:00+00:00',
        finished_at: null
      },
      {
        id: 'done',
        kind: 'create',
        environment: 'env8',
        state: 'succeeded',
        exit_status: 0,
        error: null,
        started_at: '2026-12-03T12:00:00+00:00',
        finished_at: null
      }
    ];
    const model = new EnvironmentsModel({
      client: server as unknown as EnvironmentsClient,
      kernelspecs: new FakeSpecs() as unknown as KernelSpec.IManager
    });
    await until(() => model.jobs.length === 1);
    expect(model.jobs[0].id).toBe('old');
    expect(model.job('done')).toBeUndefined();
    model.dispose();
  });

  it('removes, then refreshes the kernelspecs and the list', async () => {
    const { model, server, specs } = setup();
    server.reply.environments = [environment('env1'), environment('env2')];
    await model.refresh();
    await expect(model.remove('env1', true)).resolves.toEqual(['kernel-1']);
    expect(server.calls).toContain('remove env1 true');
    expect(specs.refreshes).toBe(1);
    expect(model.environments.map(e => e.name)).toEqual(['env2']);
    model.dispose();
  });

  it('reports a failed listing, keeps what it had, and recovers', async () => {
    const { model, server } = setup();
    server.reply.environments = [environment('env1')];
    await model.refresh();
    server.listFails = new Error('Server unreachable');
    await expect(model.refresh()).rejects.toThrow('Server unreachable');
    expect(model.status).toBe('error');
    expect(model.error).toBe('Server unreachable');
    expect(model.environments).toHaveLength(1);
    server.listFails = null;
    await model.refresh();
    expect(model.status).toBe('ready');
    expect(model.error).toBeNull();
    model.dispose();
  });

  it('stops following jobs once disposed', async () => {
    const { model } = setup();
    const job = await model.create({ name: 'env1' });
    await settle();
    model.dispose();
    expect(job.isDisposed).toBe(true);
    expect(model.jobs).toHaveLength(0);
  });
});
