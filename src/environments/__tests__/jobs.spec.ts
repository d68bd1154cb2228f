import { EnvironmentsClient } from '../api';
import { IJobReply, IJobSummary } from '../../common/types';
import { JobModel } from '../jobs';

/**
 * A server-side job whose log and state a test moves forward.
 */
class FakeJobServer {
  lines: string[] = [];
  state: IJobSummary['state'] = 'running';
  error: string | null = null;
  failNext = 0;
  requests: number[] = [];
  cancelled = 0;

  async job(id: string, since = 0): Promise<IJobReply> {
    this.requests.push(since);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('Server unreachable');
    }
    return {
      ...summary(id, this.state, this.error),
      log: this.lines.slice(since),
      next: this.lines.length
    };
  }

  async cancelJob(id: string): Promise<IJobSummary> {
    this.cancelled++;
    this.state = 'cancelled';
    this.error = 'Cancelled by the user';
    this.lines.push('cancelled');
    return summary(id, this.state, this.error);
  }
}

function summary(
  id: string,
  state: IJobSummary['state'] = 'running',
  error: string | null = null
): IJobSummary {
  return {
    id,
    kind: 'create',
    environment: 'env1',
    state,
    exit_status: state === 'succeeded' ? 0 : null,
    error,
    started_at: '2026-12-03T12:00:00+00:00',
    finished_at: null
  };
}

function follow(server: FakeJobServer, initial = summary('j1')) {
  return new JobModel({
    client: server as unknown as EnvironmentsClient,
    summary: initial,
    interval: 10
  });
}

async function until(test: () => boolean, timeout = 3000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeout) {
      throw new Error('timed out');
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

describe('JobModel', () => {
  it('streams log lines in order, asking only for what is new', async () => {
    const server = new FakeJobServer();
    const job = follow(server);
    server.lines.push('$ uv venv', 'Creating virtual environment');
    await until(() => job.log.length === 2);
    server.lines.push('$ uv pip install ipykernel');
    await until(() => job.log.length === 3);
    expect(job.log).toEqual([
      '$ uv venv',
      'Creating virtual environment',
      '$ uv pip install ipykernel'
    ]);
    // Every request after the first asked from where the last one ended.
    expect(server.requests.filter(since => since > 0).length).toBeGreaterThan(
      0
    );
    expect(Math.max(...server.requests)).toBeLessThanOrEqual(3);
    job.dispose();
  });

  it('resolves done once finished, with the last lines in', async () => {
    const server = new FakeJobServer();
    const job = follow(server);
    await until(() => server.requests.length > 0);
    server.lines.push('installing', 'Installed kernelspec env1');
    server.state = 'succeeded';
    const done = await job.done;
    expect(done.state).toBe('succeeded');
    expect(done.exitStatus).toBe(0);
    expect(job.log).toEqual(['installing', 'Installed kernelspec env1']);
    const requests = server.requests.length;
    await new Promise(resolve => setTimeout(resolve, 50));
    // No more polling once done.
    expect(server.requests.length).toBe(requests);
  });

  it('cancels through the server and ends cancelled', async () => {
    const server = new FakeJobServer();
    const job = follow(server);
    await until(() => server.requests.length > 0);
    await job.cancel();
    await job.done;
    expect(server.cancelled).toBe(1);
    expect(job.state).toBe('cancelled');
    expect(job.error).toBe('Cancelled by the user');
    expect(job.log).toContain('cancelled');
  });

  it('reports a lost connection and carries on when it comes back', async () => {
    const server = new FakeJobServer();
    server.failNext = 2;
    const job = follow(server);
    await until(() => job.connectionError !== null);
    expect(job.connectionError).toBe('Server unreachable');
    server.lines.push('back');
    await until(() => job.log.length === 1);
    expect(job.connectionError).toBeNull();
    job.dispose();
  });

  it('fetches the whole log of a job that had already ended', async () => {
    const server = new FakeJobServer();
    server.lines.push('a', 'b');
    server.state = 'failed';
    server.error = 'pip failed';
    const job = follow(server, summary('j1', 'failed', 'pip failed'));
    await job.done;
    expect(job.log).toEqual(['a', 'b']);
    expect(job.error).toBe('pip failed');
  });

  it('emits changed only when something changed', async () => {
    const server = new FakeJobServer();
    const job = follow(server);
    let changes = 0;
    job.changed.connect(() => changes++);
    await until(() => server.requests.length >= 3);
    expect(changes).toBe(0);
    server.lines.push('x');
    await until(() => changes === 1);
    job.dispose();
  });
});
