import { Kernel, KernelSpec } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';
import { KernelSpecsClient } from '../api';
import { IKernelSpecDetails, IKernelSpecsReply } from '../../common/types';
import { filterKernelSpecs, KernelSpecsModel } from '../model';

/**
 * Just enough of JupyterLab's kernelspec manager: specs that a test sets,
 * and refreshSpecs() that emits specsChanged like the real one does.
 */
class FakeSpecs {
  specsChanged = new Signal<any, KernelSpec.ISpecModels>(this);
  specs: KernelSpec.ISpecModels | null = null;
  next: KernelSpec.ISpecModels | null = null;
  refreshes = 0;
  async refreshSpecs(): Promise<void> {
    this.refreshes++;
    if (this.next) {
      this.specs = this.next;
      this.next = null;
      this.specsChanged.emit(this.specs);
    }
  }
}

class FakeKernels {
  runningChanged = new Signal<any, Kernel.IModel[]>(this);
  models: Kernel.IModel[] = [];
  *running(): IterableIterator<Kernel.IModel> {
    yield* this.models;
  }
  set(models: Kernel.IModel[]) {
    this.models = models;
    this.runningChanged.emit(models);
  }
}

class FakeClient {
  reply: IKernelSpecsReply = { user_kernels_dir: '/u/k', kernelspecs: {} };
  fail: Error | null = null;
  calls: string[] = [];
  async details(): Promise<IKernelSpecsReply> {
    this.calls.push('details');
    if (this.fail) {
      throw this.fail;
    }
    return JSON.parse(JSON.stringify(this.reply));
  }
  async rename(name: string, displayName: string) {
    this.calls.push(`rename ${name} ${displayName}`);
    return { ...this.reply.kernelspecs[name], display_name: displayName };
  }
  async remove(name: string, force = false) {
    this.calls.push(`remove ${name} ${force}`);
  }
  async edit(name: string, changes: object) {
    this.calls.push(`edit ${name} ${JSON.stringify(changes)}`);
    return { ...this.reply.kernelspecs[name], display_name: name };
  }
}

function spec(
  name: string,
  display: string,
  language = 'python'
): KernelSpec.ISpecModel {
  return {
    name,
    display_name: display,
    language,
    argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher'],
    resources: { 'logo-64x64': `/kernelspecs/${name}/logo-64x64.png` }
  };
}

function details(
  name: string,
  extra: Partial<IKernelSpecDetails> = {}
): IKernelSpecDetails {
  return {
    name,
    resource_dir: `/u/k/${name}`,
    source: 'user',
    location: 'user',
    writable: true,
    interpreter: '/usr/bin/python3',
    interpreter_exists: true,
    environment: null,
    error: null,
    env: {},
    extra_arguments: [],
    interrupt_mode: 'signal',
    ...extra
  };
}

function specModels(
  ...models: KernelSpec.ISpecModel[]
): KernelSpec.ISpecModels {
  const kernelspecs: { [name: string]: KernelSpec.ISpecModel } = {};
  for (const model of models) {
    kernelspecs[model.name] = model;
  }
  return { default: models[0]?.name ?? '', kernelspecs };
}

/** Let pending promise callbacks run. */
const settle = () => new Promise(resolve => setTimeout(resolve, 0));

function setup() {
  const specs = new FakeSpecs();
  const kernels = new FakeKernels();
  const client = new FakeClient();
  specs.specs = specModels(
    spec('b', 'Beta'),
    spec('a', 'alpha'),
    spec('r', 'R', 'R')
  );
  client.reply.kernelspecs = {
    a: details('a'),
    b: details('b', { writable: false, source: 'system', location: 'system' }),
    r: details('r', { interpreter: '/gone/R', interpreter_exists: false })
  };
  const model = new KernelSpecsModel({
    kernelspecs: specs as unknown as KernelSpec.IManager,
    kernels: kernels as unknown as Kernel.IManager,
    client: client as unknown as KernelSpecsClient
  });
  return { specs, kernels, client, model };
}

describe('KernelSpecsModel', () => {
  it('merges specs with their details, sorted by display name', async () => {
    const { model } = setup();
    expect(model.status).toBe('loading');
    await settle();
    expect(model.status).toBe('ready');
    expect(model.userKernelsDir).toBe('/u/k');
    expect(model.items.map(item => item.name)).toEqual(['a', 'b', 'r']);
    const [a, b, r] = model.items;
    expect(a.displayName).toBe('alpha');
    expect(a.logoUrl).toBe('/kernelspecs/a/logo-64x64.png');
    expect(a.writable).toBe(true);
    expect(b.writable).toBe(false);
    expect(r.broken).toBe(true);
    expect(a.broken).toBe(false);
  });

  it('counts running kernels per spec and follows runningChanged', async () => {
    const { model, kernels } = setup();
    await settle();
    let changes = 0;
    model.changed.connect(() => changes++);
    kernels.set([
      { id: '1', name: 'a' },
      { id: '2', name: 'a' },
      { id: '3', name: 'r' }
    ]);
    expect(model.get('a')?.running).toBe(2);
    expect(model.get('r')?.running).toBe(1);
    expect(model.get('b')?.running).toBe(0);
    expect(changes).toBe(1);
    // The same kernels again is no change: no signal.
    kernels.set([...kernels.models]);
    expect(changes).toBe(1);
  });

  it('hides broken specs when asked, and says how many', async () => {
    const { model } = setup();
    await settle();
    model.showBroken = false;
    expect(model.items.map(item => item.name)).toEqual(['a', 'b']);
    expect(model.brokenCount).toBe(1);
    expect(model.get('r')).toBeDefined();
    model.showBroken = true;
    expect(model.items).toHaveLength(3);
  });

  it('after a rename, refreshes the application specs and the details', async () => {
    const { model, specs, client } = setup();
    await settle();
    specs.next = specModels(
      spec('b', 'Beta'),
      spec('a', 'Zed'),
      spec('r', 'R', 'R')
    );
    await model.rename('a', 'Zed');
    await settle();
    expect(client.calls).toContain('rename a Zed');
    expect(specs.refreshes).toBe(1);
    expect(model.items.map(item => item.displayName)).toEqual([
      'Beta',
      'R',
      'Zed'
    ]);
  });

  it('after an edit, refreshes the application specs so the launcher follows', async () => {
    const { model, specs, client } = setup();
    await settle();
    client.reply.kernelspecs.a = details('a', {
      env: { OMP_NUM_THREADS: '2' }
    });
    await model.edit('a', { env: { OMP_NUM_THREADS: '2' } });
    await settle();
    expect(client.calls).toContain('edit a {"env":{"OMP_NUM_THREADS":"2"}}');
    expect(specs.refreshes).toBe(1);
    expect(model.get('a')?.details?.env).toEqual({ OMP_NUM_THREADS: '2' });
  });

  it('after a remove, the spec is gone from the items', async () => {
    const { model, specs, client } = setup();
    await settle();
    specs.next = specModels(spec('b', 'Beta'), spec('r', 'R', 'R'));
    delete client.reply.kernelspecs.a;
    await model.remove('a', true);
    await settle();
    expect(client.calls).toContain('remove a true');
    expect(model.get('a')).toBeUndefined();
    expect(model.items).toHaveLength(2);
  });

  it('reports a failed details request and recovers on refresh', async () => {
    const { model, client } = setup();
    client.fail = new Error('Server unreachable');
    const spy = jest
      .spyOn(console, 'error')
      .mockImplementation(() => undefined);
    await model.refresh();
    await settle();
    expect(model.status).toBe('error');
    expect(model.error).toBe('Server unreachable');
    // Specs are still listed, without details.
    expect(model.items).toHaveLength(3);
    expect(model.get('a')?.details).toBeNull();
    client.fail = null;
    await model.refresh();
    expect(model.status).toBe('ready');
    expect(model.error).toBeNull();
    expect(model.get('a')?.details?.resource_dir).toBe('/u/k/a');
    spy.mockRestore();
  });

  it('keeps only the newest details answer when requests race', async () => {
    const { model, client } = setup();
    await settle();
    let release: (() => void) | null = null;
    const slow = client.details.bind(client);
    client.details = () =>
      new Promise(resolve => {
        release = () => resolve(slow());
      });
    const first = model.refresh();
    client.details = async () => ({
      user_kernels_dir: '/u/k',
      kernelspecs: { a: details('a', { interpreter: '/new' }) }
    });
    await model.refresh();
    release!();
    await first;
    expect(model.get('a')?.details?.interpreter).toBe('/new');
  });

  it('stops listening once disposed', async () => {
    const { model, kernels } = setup();
    await settle();
    let changes = 0;
    model.changed.connect(() => changes++);
    model.dispose();
    kernels.set([{ id: '1', name: 'a' }]);
    expect(changes).toBe(0);
    expect(model.isDisposed).toBe(true);
  });
});

describe('filterKernelSpecs', () => {
  it('matches every word against display name, name and language', async () => {
    const { model } = setup();
    await settle();
    expect(filterKernelSpecs(model.items, '').map(i => i.name)).toEqual([
      'a',
      'b',
      'r'
    ]);
    expect(filterKernelSpecs(model.items, 'ALPHA').map(i => i.name)).toEqual([
      'a'
    ]);
    expect(filterKernelSpecs(model.items, 'python b').map(i => i.name)).toEqual(
      ['b']
    );
    expect(filterKernelSpecs(model.items, ' r ').map(i => i.name)).toEqual([
      'r'
    ]);
    expect(filterKernelSpecs(model.items, 'nothing')).toEqual([]);
  });
});
