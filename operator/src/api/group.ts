// The API group, in a module of its own that imports nothing: src/desired/names.ts
// derives its keys from it, and the schema (chatcliinstance.ts) reads those keys
// back to refuse them in podLabels and podAnnotations, without an import cycle.
export const GROUP = 'chatcli.diillson.com';
