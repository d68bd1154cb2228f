import { ServerConnection } from '@jupyterlab/services';
import { KernelManagerAPIError } from '../request';
import { EnvironmentsClient } from '../../environments/api';
import { KernelSpecsClient } from '../../kernelspecs/api';

/**
 * A fetch that records each request and answers from a queue.
 */
function fakeFetch(answers: Array<() => Response>) {
  const calls: Request[] = [];
  const fetch = async (input: RequestInfo, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push(request);
    const next = answers.shift();
    if (!next) {
      throw new Error('unexpected request ' + request.url);
    }
    return next();
  };
  return { calls, fetch };
}

function json(status: number, body: unknown): () => Response {
  return () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' }
    });
}

function client(
  answers: Array<() => Response>,
  baseUrl = 'http://localhost:8888/user/alice/'
) {
  const fake = fakeFetch(answers);
  const serverSettings = ServerConnection.makeSettings({
    baseUrl,
    fetch: fake.fetch as any,
    token: 'secret'
  });
  return {
    client: new KernelSpecsClient({ serverSettings }),
    calls: fake.calls
  };
}

describe('KernelSpecsClient', () => {
  it('builds every URL below the server base URL, as under a hub', async () => {
    const reply = { user_kernels_dir: '/home/alice/k', kernelspecs: {} };
    const { client: api, calls } = client([json(200, reply)]);
    await expect(api.details()).resolves.toEqual(reply);
    const url = new URL(calls[0].url);
    expect(url.origin + url.pathname).toBe(
      'http://localhost:8888/user/alice/kernel-manager/kernelspecs'
    );
    expect(calls[0].method).toBe('GET');
    expect(calls[0].headers.get('Authorization')).toBe('token secret');
  });

  it('renames with a PATCH carrying only the display name', async () => {
    const { client: api, calls } = client([
      json(200, { name: 'py', display_name: 'New' })
    ]);
    const answer = await api.rename('py', 'New');
    expect(answer.display_name).toBe('New');
    expect(calls[0].method).toBe('PATCH');
    expect(new URL(calls[0].url).pathname).toBe(
      '/user/alice/kernel-manager/kernelspecs/py'
    );
    expect(await calls[0].json()).toEqual({ display_name: 'New' });
  });

  it('encodes names in the path', async () => {
    const { client: api, calls } = client([
      () => new Response(null, { status: 204 })
    ]);
    await api.remove('a b/c');
    expect(new URL(calls[0].url).pathname).toBe(
      '/user/alice/kernel-manager/kernelspecs/a%20b%2Fc'
    );
  });

  it('removes with ?force=1 only when forced', async () => {
    const { client: api, calls } = client([
      () => new Response(null, { status: 204 }),
      () => new Response(null, { status: 204 })
    ]);
    await api.remove('py');
    await api.remove('py', true);
    expect(calls[0].method).toBe('DELETE');
    const plain = new URL(calls[0].url);
    const forced = new URL(calls[1].url);
    expect(plain.pathname).toMatch(/kernelspecs\/py$/);
    expect(plain.searchParams.get('force')).toBeNull();
    expect(forced.pathname).toMatch(/kernelspecs\/py$/);
    expect(forced.searchParams.get('force')).toBe('1');
  });

  it("keeps the server's message and reason in the error", async () => {
    const { client: api } = client([
      json(409, { message: '2 kernels are running', reason: 'running' })
    ]);
    const error = await api.remove('py').catch(e => e);
    expect(error).toBeInstanceOf(KernelManagerAPIError);
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect(error.message).toBe('2 kernels are running');
    expect(error.reason).toBe('running');
    expect(error.status).toBe(409);
  });

  it('falls back to the status line for a body that is not JSON', async () => {
    const { client: api } = client([
      () =>
        new Response('<html>gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway'
        })
    ]);
    const error = await api.details().catch(e => e);
    expect(error).toBeInstanceOf(KernelManagerAPIError);
    expect(error.message).toBe('502 Bad Gateway');
    expect(error.reason).toBe('');
  });

  it('turns a failed fetch into a NetworkError', async () => {
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: (() => Promise.reject(new TypeError('Failed to fetch'))) as any
    });
    const api = new KernelSpecsClient({ serverSettings });
    await expect(api.details()).rejects.toBeInstanceOf(
      ServerConnection.NetworkError
    );
  });
});

describe('EnvironmentsClient', () => {
  function environments(answers: Array<() => Response>) {
    const fake = fakeFetch(answers);
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: fake.fetch as any,
      token: 'secret'
    });
    return {
      client: new EnvironmentsClient({ serverSettings }),
      calls: fake.calls
    };
  }

  it('removes with ?force=1 and gives the kernels the server shut down', async () => {
    const { client: api, calls } = environments([
      json(200, { shut_down: [] }),
      json(200, { shut_down: ['k1'] })
    ]);
    await expect(api.remove('a b')).resolves.toEqual([]);
    await expect(api.remove('env', true)).resolves.toEqual(['k1']);
    expect(calls[0].method).toBe('DELETE');
    expect(new URL(calls[0].url).pathname).toBe(
      '/kernel-manager/environments/a%20b'
    );
    expect(new URL(calls[0].url).searchParams.get('force')).toBeNull();
    expect(new URL(calls[1].url).searchParams.get('force')).toBe('1');
  });

  it('reads an empty answer as no kernel shut down', async () => {
    const { client: api } = environments([
      () => new Response(null, { status: 204 })
    ]);
    await expect(api.remove('env')).resolves.toEqual([]);
  });
});
