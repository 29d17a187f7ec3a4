// The chatcli-operator command line: dispatches to a subcommand.
import { renderCommand } from './cli/render.ts';
import { runCommand } from './reconciler/operator.ts';

const USAGE = `Usage: chatcli-operator <command> [flags]

Commands:
  run      run the operator against the current cluster (run --help)
  render   print the objects a ChatCLIInstance file becomes (render --help)
`;

const subcommands: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  render: renderCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : subcommands[name];
  if (command) return command(rest);
  if (name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(name === undefined ? USAGE : `chatcli-operator: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
