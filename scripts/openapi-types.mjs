#!/usr/bin/env node
/**
 * Print the TypeScript types of the server extension's OpenAPI document.
 *
 * Usage: node scripts/openapi-types.mjs [DOCUMENT.json | -]
 * (default: jupyterlab_kernel_manager/openapi.json; "-" reads the document from
 * stdin). Used by src/common/__tests__/openapi-types.spec.ts, which checks the
 * replies in src/common/types.ts against these types.
 */
import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const DEFAULT = new URL(
  '../jupyterlab_kernel_manager/openapi.json',
  import.meta.url
);

const source = process.argv[2] ?? DEFAULT;
const text = readFileSync(source === '-' ? 0 : source, 'utf-8');
// defaultNonNullable: false, or a request property with a default would be required.
const ast = await openapiTS(JSON.parse(text), {
  silent: true,
  defaultNonNullable: false
});
process.stdout.write(astToString(ast));
