// Node's http, https, http2 and tls modules, taken without an ES import: an ES
// import of a built-in evaluates every export, and node:http's WebSocket,
// CloseEvent and MessageEvent getters then load undici, which the operator
// never uses, for about 9 MiB of memory (docs/performance.md). Types still
// come from `import type * as http from 'node:http'`, which is erased.
// https and http2 load on first use: a process speaks one of them to the API
// server (HTTP/2, or HTTP/1.1 without h2), and each costs memory loaded
// (docs/performance.md, "Idle memory: what each part costs").
export const httpModule = process.getBuiltinModule('node:http');
export const tlsModule = process.getBuiltinModule('node:tls');
export const streamModule = process.getBuiltinModule('node:stream');

let https: typeof import('node:https') | undefined;
let http2: typeof import('node:http2') | undefined;
export const httpsModule = (): typeof import('node:https') => (https ??= process.getBuiltinModule('node:https'));
export const http2Module = (): typeof import('node:http2') => (http2 ??= process.getBuiltinModule('node:http2'));
