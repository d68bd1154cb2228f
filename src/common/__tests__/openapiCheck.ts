/**
 * The machinery of openapi-types.spec.ts: generate the document's types,
 * compile them with types.ts and the clients in memory, and say what disagrees.
 */
/// <reference types="node" />
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

import { PAIRS } from './openapiPairs';

const REPO = path.resolve(__dirname, '..', '..', '..');
const DOCUMENT = path.join(REPO, 'jupyterlab_kernel_manager', 'openapi.json');
const SCRIPT = path.join(REPO, 'scripts', 'openapi-types.mjs');
const API = path.join(REPO, 'src', 'common');
/** Every file that calls our routes through `requestAPI`. */
const CLIENTS = ['kernelspecs', 'environments', 'processes', 'hub']
  .map(part => path.join(REPO, 'src', part, 'api.ts'))
  .concat([path.join(REPO, 'src', 'processes', 'historyApi.ts')]);
// In memory only: beside types.ts so that they import it as '../types' does.
const GENERATED = path.join(API, '__openapi__', 'openapi.ts');
const CHECK = path.join(API, '__openapi__', 'check.ts');

export type Document = { paths: { [path: string]: { [verb: string]: any } } };

const HELPERS = `
import type { components, paths } from './openapi';

export type Equals<A, B> =
  (<X>() => X extends A ? 1 : 2) extends (<X>() => X extends B ? 1 : 2) ? true : false;
export type Schema<N extends keyof components['schemas']> = components['schemas'][N];
type Operation<P extends keyof paths, M extends keyof paths[P]> = NonNullable<paths[P][M]>;
type JSONOf<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
type Success<R> = {
  [S in keyof R]: S extends 200 | 201 | 202 | 204 ? JSONOf<R[S]> : never;
}[keyof R];
/** The union of the operation's success replies (undefined: no body). */
export type Reply<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { responses: infer R } ? Success<R> : never;
export type RequestBody<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { requestBody: infer B } ? JSONOf<NonNullable<B>> : never;
`;

/** The generated types of `document` (the shipped one by default). */
export function generate(document?: Document): string {
  return execFileSync(process.execPath, [SCRIPT, document ? '-' : DOCUMENT], {
    input: document ? JSON.stringify(document) : undefined,
    encoding: 'utf-8',
    maxBuffer: 16 * 1024 * 1024
  });
}

/** What check() found wrong, one line each. */
export interface IFindings {
  types: string[];
  calls: string[];
}

/** The virtual check module: the pairs, then one alias per client call. */
function checkSource(
  callTargets: Array<{ path: string; verb: string }>
): string {
  const lines = [HELPERS, "import type * as T from '../types';"];
  PAIRS.forEach((pair, i) => {
    const ts = `T.${pair.ts}`;
    lines.push(`// ${i}`);
    lines.push(
      `export const tsToDoc${i}: ${pair.doc} = null as unknown as ${ts};`
    );
    // A request only one way: the server may accept more (null for "the default").
    if (!pair.request) {
      lines.push(
        `export const docToTs${i}: ${ts} = null as unknown as ${pair.doc};`
      );
      lines.push(`export const same${i}: Equals<${ts}, ${pair.doc}> = true;`);
    }
  });
  callTargets.forEach((target, i) => {
    const p = JSON.stringify(target.path);
    const v = JSON.stringify(target.verb);
    lines.push(`export type CallReply${i} = Reply<${p}, ${v}>;`);
    lines.push(`export type CallBody${i} = RequestBody<${p}, ${v}>;`);
  });
  return lines.join('\n');
}

/** `kernelspecs/${encodeURIComponent(name)}${query}` -> ['kernelspecs/{}', names]. */
function endpoints(
  node: ts.Expression
): Array<{ path: string; query: string[] }> {
  if (ts.isParenthesizedExpression(node)) {
    return endpoints(node.expression);
  }
  if (ts.isConditionalExpression(node)) {
    return [...endpoints(node.whenTrue), ...endpoints(node.whenFalse)];
  }
  let text: string;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    text = node.text;
  } else if (ts.isTemplateExpression(node)) {
    text = node.head.text;
    for (const span of node.templateSpans) {
      // A path segment is an encoded value; anything else is a query string.
      const encoded = /^encodeURIComponent\(/.test(span.expression.getText());
      text += (encoded ? '{}' : '') + span.literal.text;
    }
  } else {
    throw new Error(`cannot read the endpoint ${node.getText()}`);
  }
  const [pathPart, queryPart] = text.split('?');
  const query = (queryPart ?? '').split('&').filter(Boolean);
  return [{ path: pathPart, query: query.map(pair => pair.split('=')[0]) }];
}

/** Query names a method may add with a `'?name=...'` string of its own. */
function queryNamesIn(node: ts.Node): string[] {
  const names: string[] = [];
  const visit = (child: ts.Node) => {
    if (
      ts.isStringLiteral(child) ||
      ts.isNoSubstitutionTemplateLiteral(child)
    ) {
      for (const match of child.text.matchAll(/^[?&]([A-Za-z_]+)=/g)) {
        names.push(match[1]);
      }
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return names;
}

function documentPath(document: Document, endpoint: string): string | null {
  const wanted = `/kernel-manager/${endpoint}`;
  return (
    Object.keys(document.paths).find(
      p => p.replace(/\{[^}]+\}/g, '{}') === wanted
    ) ?? null
  );
}

/** Compile the document's types with types.ts and the clients; what disagrees. */
export function check(document: Document, generated: string): IFindings {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: []
  };
  // First pass: find the clients' calls, to know which operations to alias.
  const found: Array<{
    file: string;
    call: ts.CallExpression;
    where: string;
    verb: string;
    path: string | null;
    query: string[];
  }> = [];
  let file = '';
  const visit = (node: ts.Node, method: ts.Node | null, where: string) => {
    if (ts.isMethodDeclaration(node) && node.name) {
      method = node;
      const owner = node.parent as ts.ClassDeclaration;
      where = `${owner.name?.text}.${node.name.getText()}`;
    } else if (ts.isFunctionDeclaration(node) && node.name) {
      method = node;
      where = node.name.text;
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.getText() === 'requestAPI'
    ) {
      const init = node.arguments[1] as ts.ObjectLiteralExpression;
      const verbProperty = init.properties.find(
        p => p.name?.getText() === 'method'
      ) as ts.PropertyAssignment;
      const verb = (
        verbProperty.initializer as ts.StringLiteral
      ).text.toLowerCase();
      const extra = method ? queryNamesIn(method) : [];
      for (const endpoint of endpoints(node.arguments[0])) {
        found.push({
          file,
          call: node,
          where,
          verb,
          path: documentPath(document, endpoint.path),
          query: [...endpoint.query, ...extra]
        });
      }
    }
    ts.forEachChild(node, child => visit(child, method, where));
  };
  for (const client of CLIENTS) {
    file = client;
    const parsed = ts.createSourceFile(
      client,
      fs.readFileSync(client, 'utf-8'),
      ts.ScriptTarget.ES2022,
      true
    );
    visit(parsed, null, '');
  }

  const targets = found.map(f => ({
    path: f.path ?? '/kernel-manager/kernelspecs',
    verb: f.verb
  }));
  const virtual: { [file: string]: string } = {
    [GENERATED]: generated,
    [CHECK]: checkSource(targets)
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (file, language, onError, create) =>
    file in virtual
      ? ts.createSourceFile(file, virtual[file], language, true)
      : getSourceFile.call(host, file, language, onError, create);
  const fileExists = host.fileExists;
  host.fileExists = file => file in virtual || fileExists.call(host, file);
  const readFile = host.readFile;
  host.readFile = file => virtual[file] ?? readFile.call(host, file);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = directory =>
    directory === path.dirname(CHECK) || (directoryExists?.(directory) ?? true);
  const program = ts.createProgram([CHECK, ...CLIENTS], options, host);
  const checker = program.getTypeChecker();

  const findings: IFindings = { types: [], calls: [] };
  const checkFile = program.getSourceFile(CHECK)!;
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(
      diagnostic.messageText,
      '\n'
    );
    // The pair is named by the last "// i" comment above the error.
    const before =
      diagnostic.file === checkFile && diagnostic.start !== undefined
        ? checkFile.text.slice(0, diagnostic.start)
        : '';
    const index = /\/\/ (\d+)\n(?![\s\S]*\/\/ \d+\n)/.exec(before)?.[1];
    if (index === undefined) {
      // Not a disagreement but a check that cannot run (a module not found...).
      throw new Error(`${diagnostic.file?.fileName ?? ''}: ${message}`);
    }
    const pair = PAIRS[Number(index)];
    findings.types.push(`${pair.ts} vs the document's ${pair.doc}: ${message}`);
  }

  // The calls, with the checker of the real clients.
  const aliasType = (name: string) => {
    const declaration = checkFile.statements.find(
      s => ts.isTypeAliasDeclaration(s) && s.name.text === name
    ) as ts.TypeAliasDeclaration;
    return checker.getTypeAtLocation(declaration.name);
  };
  found.forEach((f, i) => {
    // The same call node in the checked program.
    const source = program.getSourceFile(f.file)!;
    const call = findAt(source, f.call.getStart(), f.call.getEnd());
    const signature = checker.getResolvedSignature(call)!;
    // requestAPI<T> gives Promise<T>.
    const promised = checker.getTypeArguments(
      signature.getReturnType() as ts.TypeReference
    )[0];
    const init = call.arguments[1] as ts.ObjectLiteralExpression;
    const bodyProperty = init.properties.find(
      p => p.name?.getText() === 'body'
    ) as ts.PropertyAssignment | undefined;
    let body: ts.Type | null = null;
    if (bodyProperty) {
      const stringify = bodyProperty.initializer as ts.CallExpression;
      body = checker.getTypeAtLocation(stringify.arguments[0]);
    }
    const label = `${f.where} (${f.verb.toUpperCase()} ${f.path ?? '?'})`;
    if (!f.path || !(f.verb in document.paths[f.path])) {
      findings.calls.push(`${label}: no such operation in the document`);
      return;
    }
    const operation = document.paths[f.path][f.verb];
    const declared = [
      ...(document.paths[f.path].parameters ?? []),
      ...(operation.parameters ?? [])
    ]
      .map((p: any) => resolveRef(document, p))
      .filter((p: any) => p.in === 'query')
      .map((p: any) => p.name);
    for (const name of f.query) {
      if (!declared.includes(name)) {
        findings.calls.push(
          `${label}: query parameter ${name} is not documented`
        );
      }
    }
    const documentedReply = aliasType(`CallReply${i}`);
    if (!checker.isTypeAssignableTo(documentedReply, promised)) {
      findings.calls.push(
        `${label}: expects ${checker.typeToString(promised)}, which does not accept ` +
          `every reply the document allows: ${checker.typeToString(documentedReply)}`
      );
    }
    const documentedBody = aliasType(`CallBody${i}`);
    const bodyRequired = operation.requestBody?.required === true;
    if (body === null && bodyRequired) {
      findings.calls.push(`${label}: sends no body; the document requires one`);
    } else if (
      body !== null &&
      !checker.isTypeAssignableTo(body, documentedBody)
    ) {
      findings.calls.push(
        `${label}: sends ${checker.typeToString(body)}, which the document does not ` +
          `accept: ${checker.typeToString(documentedBody)}`
      );
    }
  });
  if (found.length === 0) {
    findings.calls.push('no requestAPI call found in the clients');
  }
  return findings;
}

function findAt(
  source: ts.SourceFile,
  start: number,
  end: number
): ts.CallExpression {
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      node.getStart() === start &&
      node.getEnd() === end
    ) {
      found = node;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!found) {
    throw new Error(`no call at ${start} in ${source.fileName}`);
  }
  return found;
}

export function resolveRef(document: any, node: any): any {
  while (node && node.$ref) {
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce((at: any, part: string) => at[part], document);
  }
  return node;
}

export function shipped(): Document {
  return JSON.parse(fs.readFileSync(DOCUMENT, 'utf-8'));
}
