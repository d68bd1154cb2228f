const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

// JupyterLab's own list is too short for @jupyterlab/apputils: its
// dependencies ship untranspiled ES modules that jest must transform.
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@marijn',
  '@microsoft',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  reporters: ['default'],
  // The tests and the code they test are under src/. Left to itself jest
  // would also index .venv, lib/ and the built labextension, whose
  // package.json files carry the same names as ours and JupyterLab's
  // ("Haste module naming collision"); node_modules resolve all the same.
  roots: ['<rootDir>/src'],
  setupFiles: [...baseConfig.setupFiles, '<rootDir>/jest.setup.js'],
  testRegex: 'src/.*/__tests__/.*\\.spec\\.tsx?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
