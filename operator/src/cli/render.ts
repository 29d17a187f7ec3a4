// `chatcli-operator render -f instance.yaml`: print the objects one or more
// ChatCLIInstances become, as a YAML stream, without a cluster. The same
// defaults and validation as the API server's, so an invalid file fails here
// with a message that names the field; so does one whose objects the API
// server would refuse as too large (desired/limits.ts).
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, KIND, type ChatCLIInstance, type DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { withDefaults } from '../api/defaults.ts';
import { formatErrors, validateInstance } from '../api/validate.ts';
import { desiredObjects } from '../desired/index.ts';
import { oversizeErrors } from '../desired/limits.ts';
import { toYamlStream } from '../desired/yamlstream.ts';

export const RENDER_USAGE = `Usage: chatcli-operator render -f FILE [-f FILE...] [-n NAMESPACE]

Print the Kubernetes objects each ChatCLIInstance in FILE becomes, as a YAML
stream. FILE may hold several documents; "-" reads standard input. Documents
of other kinds are skipped. Instances without a namespace get NAMESPACE
(default "default"). Owner references are left out: a file has no uid.
`;

/** Where render reads and writes; tests pass their own. */
export interface RenderIO {
  readStdin(): Promise<string>;
  stdout(chunk: string): void;
  stderr(chunk: string): void;
}

const processIO: RenderIO = {
  readStdin: () => text(process.stdin),
  stdout: (c) => void process.stdout.write(c),
  stderr: (c) => void process.stderr.write(c),
};

interface RenderArgs {
  files: string[];
  namespace: string;
  help: boolean;
}

/** Runs `render`; resolves to the process exit code. */
export async function renderCommand(argv: string[], io: RenderIO = processIO): Promise<number> {
  let args: RenderArgs;
  try {
    args = parseRenderArgs(argv);
  } catch (err) {
    io.stderr(`render: ${(err as Error).message}\n\n${RENDER_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(RENDER_USAGE);
    return 0;
  }

  const instances: DefaultedChatCLIInstance[] = [];
  for (const file of args.files) {
    const source = file === '-' ? 'stdin' : file;
    let content: string;
    try {
      content = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
    } catch (err) {
      io.stderr(`render: ${source}: ${(err as Error).message}\n`);
      return 1;
    }
    const loaded = loadInstances(content, source, args.namespace);
    for (const note of loaded.skipped) io.stderr(`render: ${note}\n`);
    if (loaded.errors.length > 0) {
      io.stderr(loaded.errors.map((e) => `render: ${e}\n`).join(''));
      return 1;
    }
    instances.push(...loaded.instances);
  }
  if (instances.length === 0) {
    io.stderr(`render: no ${KIND} found in ${args.files.join(', ')}\n`);
    return 1;
  }
  io.stdout(toYamlStream(instances.flatMap((i) => desiredObjects(i))));
  return 0;
}

function parseRenderArgs(argv: string[]): RenderArgs {
  const args: RenderArgs = { files: [], namespace: 'default', help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-f':
      case '--filename':
        args.files.push(value());
        break;
      case '-n':
      case '--namespace':
        args.namespace = value();
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (!args.help && args.files.length === 0) throw new Error('-f FILE is required');
  return args;
}

interface Loaded {
  instances: DefaultedChatCLIInstance[];
  errors: string[];
  skipped: string[];
}

/** Every ChatCLIInstance of a YAML stream, validated and defaulted. */
export function loadInstances(content: string, source: string, defaultNamespace: string): Loaded {
  const out: Loaded = { instances: [], errors: [], skipped: [] };
  parseAllDocuments(content).forEach((doc, index) => {
    const where = `${source} document ${index + 1}`;
    if (doc.errors.length > 0) {
      out.errors.push(`${where}: invalid YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document
    if (typeof value !== 'object' || Array.isArray(value)) {
      out.errors.push(`${where}: not a Kubernetes object`);
      return;
    }
    const obj = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    if (obj.kind !== KIND || obj.apiVersion !== API_VERSION) {
      out.skipped.push(`${where}: skipping ${String(obj.apiVersion)}/${String(obj.kind)}, not a ${API_VERSION} ${KIND}`);
      return;
    }
    const named = `${where} (${typeof obj.metadata?.name === 'string' ? obj.metadata.name : 'unnamed'})`;
    const problems = formatErrors(validateInstance(obj));
    if (problems.length > 0) {
      out.errors.push(...problems.map((p) => `${named}: ${p}`));
      return;
    }
    const instance = withDefaults(obj as ChatCLIInstance, defaultNamespace);
    // Accepted by the API server, yet an object it becomes would be refused there.
    const tooLarge = formatErrors(oversizeErrors(desiredObjects(instance)));
    if (tooLarge.length > 0) {
      out.errors.push(...tooLarge.map((p) => `${named}: ${p}`));
      return;
    }
    out.instances.push(instance);
  });
  return out;
}
