import { nullTranslator } from '@jupyterlab/translation';
import { IBackend, IBackendsReply } from '../../common/types';
import { EnvironmentForm } from '../EnvironmentForm';

const trans = nullTranslator.load('jupyterlab_kernel_manager');

const backends: IBackend[] = [
  {
    name: 'uv',
    available: true,
    executable: '/usr/bin/uv',
    pythons: ['3.11', '3.12'],
    default_python: '3.12',
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
];

function form(initial: Partial<EnvironmentForm.IValues>) {
  return new EnvironmentForm({
    trans,
    backends: { default_backend: 'uv', backends },
    environmentsDir: '/home/u/envs',
    initial
  });
}

describe('EnvironmentForm', () => {
  it('turns what was typed into the request, with the backend default Python', () => {
    const value = form({
      name: ' My-Env ',
      displayName: ' Data science ',
      packages: 'numpy\n\npandas>=2\n',
      systemSitePackages: true
    }).getValue();
    expect(value).toEqual({
      name: 'my-env',
      display_name: 'Data science',
      backend: 'uv',
      python: '3.12',
      packages: ['numpy', 'pandas>=2'],
      system_site_packages: true
    });
  });

  it('leaves the display name to the server when none is typed', () => {
    expect(form({ name: 'a' }).getValue().display_name).toBeUndefined();
  });

  it('says what is wrong before anything is sent', () => {
    expect(form({ name: '' }).problem).toBe('Give the environment a name.');
    expect(form({ name: 'a b' }).problem).toMatch(/letters, digits/);
    expect(
      form({ name: 'ok', packages: '--index-url=http://evil' }).problem
    ).toMatch(/not a package requirement/);
    expect(form({ name: 'ok', backend: 'conda' }).problem).toBe(
      'Choose a backend that is available.'
    );
    expect(form({ name: 'ok', packages: 'numpy' }).problem).toBeNull();
  });

  it('opens at once and waits for the backends on its own', () => {
    const waiting = new EnvironmentForm({
      trans,
      backends: null,
      environmentsDir: '/home/u/envs',
      initial: { name: 'ok' }
    });
    expect(waiting.problem).toMatch(/Wait until the backends are found/);
    const found: IBackendsReply = { default_backend: 'uv', backends };
    waiting.setBackends(found);
    expect(waiting.problem).toBeNull();
    expect(waiting.getValue().backend).toBe('uv');
    expect(waiting.getValue().python).toBe('3.12');
  });

  it('keeps the values to open the form again after a refusal', () => {
    const first = form({ name: 'taken', packages: 'numpy' });
    const again = form(first.values);
    expect(again.getValue()).toEqual(first.getValue());
  });
});
