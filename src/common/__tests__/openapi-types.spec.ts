/**
 * The frontend's idea of the REST API against the server's document,
 * jupyterlab_kernel_manager/openapi.json.
 *
 * The document's types are generated with openapi-typescript
 * (scripts/openapi-types.mjs) and compiled in memory with the TypeScript
 * compiler, with src/common/types.ts and the clients (CLIENTS below):
 *
 * - each reply type of types.ts and the document's type for that reply must be
 *   assignable to each other and identical (same properties, same optionality);
 *   a request type must be one the document accepts;
 * - every `requestAPI` call of the clients must name a documented operation and
 *   query parameters, send a body the document accepts, and expect a type that
 *   accepts every success reply the document allows.
 *
 * A last test changes the document and expects both checks to fail: they can.
 */
/// <reference types="node" />
import { check, generate, shipped } from './openapiCheck';

describe('the frontend and openapi.json', () => {
  // Generating and compiling take a few seconds each.
  jest.setTimeout(120_000);

  it('agree on every reply type of types.ts', () => {
    const findings = check(shipped(), generate());
    expect(findings.types).toEqual([]);
  });

  it('agree on every call of the clients', () => {
    const findings = check(shipped(), generate());
    expect(findings.calls).toEqual([]);
  });

  it('disagree when the document changes: the checks can fail', () => {
    const document: any = shipped();
    const schemas = document.components.schemas;
    schemas.JobSummary.properties.exit_status = { type: 'string' };
    schemas.Process.required = schemas.Process.required.filter(
      (name: string) => name !== 'threads'
    );
    document.paths['/kernel-manager/jobs-renamed'] =
      document.paths['/kernel-manager/jobs'];
    delete document.paths['/kernel-manager/jobs'];
    document.components.parameters.Force.name = 'forced';

    const findings = check(document, generate(document));

    const types = findings.types.join('\n');
    expect(types).toContain("IJobSummary vs the document's");
    expect(types).toContain("IProcessInfo vs the document's");
    const calls = findings.calls.join('\n');
    expect(calls).toContain(
      'EnvironmentsClient.jobs (GET ?): no such operation'
    );
    expect(calls).toContain('query parameter force is not documented');
  });
});
