// Node's http and https modules, taken without an ES import: an ES import of a
// built-in evaluates every export, and node:http's WebSocket, CloseEvent and
// MessageEvent getters then load undici, which the operator never uses, for
// about 9 MiB of memory (docs/performance.md). Types still come from
// `import type * as http from 'node:http'`, which is erased.
export const httpModule = process.getBuiltinModule('node:http');
export const httpsModule = process.getBuiltinModule('node:https');
export const tlsModule = process.getBuiltinModule('node:tls');
export const http2Module = process.getBuiltinModule('node:http2');
export const streamModule = process.getBuiltinModule('node:stream');
