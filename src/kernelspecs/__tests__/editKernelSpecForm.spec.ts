import { nullTranslator } from '@jupyterlab/translation';
import { IKernelSpecDetails } from '../../common/types';
import { EditKernelSpecForm } from '../EditKernelSpecForm';
import {
  editProblem,
  editRequest,
  IEditValues,
  initialValues,
  parseArguments
} from '../kernelSpecEdit';

const trans = nullTranslator.load('jupyterlab_kernel_manager');

const details: IKernelSpecDetails = {
  name: 'mine',
  resource_dir: '/home/u/.local/share/jupyter/kernels/mine',
  source: 'user',
  location: 'user',
  writable: true,
  interpreter: '/usr/bin/python3',
  interpreter_exists: true,
  environment: null,
  error: null,
  env: { OMP_NUM_THREADS: '2', EMPTY: '' },
  extra_arguments: ['--a', '--b=c d'],
  interrupt_mode: 'signal'
};

const initial = initialValues('Mine', details);

function values(change: Partial<IEditValues>): IEditValues {
  return { ...initial, ...change };
}

function problem(change: Partial<IEditValues>): string | null {
  return editProblem(values(change), trans);
}

describe('kernelSpecEdit', () => {
  it('starts from what the server says', () => {
    expect(initial).toEqual({
      displayName: 'Mine',
      env: [
        { name: 'OMP_NUM_THREADS', value: '2' },
        { name: 'EMPTY', value: '' }
      ],
      extraArguments: '--a\n--b=c d',
      interruptMode: 'signal'
    });
    expect(problem({})).toBeNull();
  });

  it('sends nothing when nothing changed', () => {
    expect(editRequest(initial, values({ displayName: ' Mine ' }))).toEqual({});
  });

  it('sends only what changed', () => {
    expect(editRequest(initial, values({ displayName: ' Renamed ' }))).toEqual({
      display_name: 'Renamed'
    });
    expect(
      editRequest(
        initial,
        values({
          env: [
            { name: ' OMP_NUM_THREADS ', value: '4' },
            { name: '', value: '' }
          ]
        })
      )
    ).toEqual({ env: { OMP_NUM_THREADS: '4' } });
    expect(
      editRequest(initial, values({ extraArguments: '--a\r\n\n  \n--c\n' }))
    ).toEqual({ extra_arguments: ['--a', '--c'] });
    expect(editRequest(initial, values({ interruptMode: 'message' }))).toEqual({
      interrupt_mode: 'message'
    });
  });

  it('removes every variable or argument with an empty value', () => {
    expect(
      editRequest(initial, values({ env: [], extraArguments: '' }))
    ).toEqual({ env: {}, extra_arguments: [] });
  });

  it('keeps arguments whole, spaces included, one per line', () => {
    expect(parseArguments(' --x=a b \n\n--y')).toEqual([' --x=a b ', '--y']);
  });

  it.each([
    [{ displayName: '  ' }, /display name cannot be empty/],
    [{ env: [{ name: '1A', value: 'x' }] }, /not a variable name/],
    [{ env: [{ name: 'A-B', value: 'x' }] }, /not a variable name/],
    [{ env: [{ name: '', value: 'orphan' }] }, /not a variable name/],
    [{ env: [{ name: 'É', value: 'x' }] }, /not a variable name/],
    [{ env: [{ name: 'A'.repeat(129), value: 'x' }] }, /not a variable name/],
    [
      {
        env: [
          { name: 'A', value: '1' },
          { name: 'A', value: '2' }
        ]
      },
      /A is set twice/
    ],
    [{ env: [{ name: 'A', value: 'x'.repeat(4097) }] }, /longer than 4096/],
    [{ env: [{ name: 'A', value: 'a\0b' }] }, /NUL/],
    [{ env: [{ name: 'A', value: 'a\uD800b' }] }, /lone surrogate/],
    [
      {
        env: Array.from({ length: 65 }, (_, i) => ({
          name: `V${i}`,
          value: ''
        }))
      },
      /at most 64 environment variables/
    ],
    [{ extraArguments: '{connection_file}' }, /placeholders/],
    [{ extraArguments: '--dump={env}' }, /placeholders/],
    [{ extraArguments: '-f' }, /connection file/],
    [{ extraArguments: '--f=/tmp/x.json' }, /connection file/],
    // argparse takes a short option's value glued to it.
    [{ extraArguments: '-f/tmp/x.json' }, /connection file/],
    [
      { extraArguments: '--IPKernelApp.connection_file=/tmp/x' },
      /connection file/
    ],
    [{ extraArguments: 'x'.repeat(1025) }, /longer than 1024/],
    [{ extraArguments: '--x\n'.repeat(65) }, /at most 64 extra arguments/]
  ] as Array<[Partial<IEditValues>, RegExp]>)(
    'says what is wrong before sending (case %#)',
    (change, message) => {
      expect(problem(change)).toMatch(message);
    }
  );

  it('accepts what the server accepts', () => {
    expect(
      problem({
        env: [
          { name: '_A1', value: 'line\nbreak é 😀' },
          { name: 'B', value: '' }
        ],
        extraArguments: '--IPKernelApp.matplotlib=inline\n-x\n{notplaceholder',
        interruptMode: 'message'
      })
    ).toBeNull();
  });
});

describe('EditKernelSpecForm', () => {
  it('reopens with what was typed and sends only the changes', () => {
    const typed = values({ displayName: 'New', interruptMode: 'message' });
    const form = new EditKernelSpecForm({
      trans,
      name: 'mine',
      command: ['/usr/bin/python3', '-m', 'ipykernel_launcher'],
      initial,
      values: typed,
      error: 'refused'
    });
    expect(form.values).toEqual(typed);
    expect(form.values).not.toBe(typed);
    expect(form.problem).toBeNull();
    expect(form.getValue()).toEqual({
      display_name: 'New',
      interrupt_mode: 'message'
    });
    form.dispose();
  });
});
