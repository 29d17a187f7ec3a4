// The chatcli-operator command line: dispatches to a subcommand. Each is
// loaded when chosen: the operator process never evaluates `render`'s modules,
// nor `render` the operator's (docs/performance.md, "Idle memory").

const USAGE = `Usage: chatcli-operator <command> [flags]

Commands:
  run      run the operator against the current cluster (run --help)
  render   print the objects a ChatCLIInstance file becomes (render --help)
`;

const subcommands: Record<string, (argv: string[]) => Promise<number>> = {
  run: async (argv) => (await import('./reconciler/operator.ts')).runCommand(argv),
  render: async (argv) => (await import('./cli/render.ts')).renderCommand(argv),
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
