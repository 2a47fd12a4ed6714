import { Command, CommanderError, Option } from 'commander';
import { version } from '../version.js';
import { describeFailure, EXIT } from './exit.js';
import { type CliIO, err, processIO } from './io.js';

/**
 * The `wave` program. Each command's module is imported only when that command runs, so
 * `wave --version` loads commander and nothing else (bench/startup).
 */
export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('wave')
    .description(
      'Runs pipelines of shell, AI-agent and human-gate steps: in a terminal, in CI, or as a server.',
    )
    .version(version(), '-V, --version', 'print the version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();

  const withProject = (cmd: Command): Command =>
    cmd
      .option('-C, --project <dir>', 'project directory (default: the current directory)')
      .option('--config <file>', 'manifest file (default: wave.yaml in the project)')
      .exitOverride();

  const run = (fn: () => Promise<number>) => async () => {
    setExit(await fn());
  };

  withProject(program.command('validate'))
    .description('check the manifest and pipelines; every error with file:line and path')
    .argument('[pipeline...]', 'pipelines to check (default: all)')
    .option('--json', 'print the result as JSON')
    .action(async (pipelines: string[], opts: Record<string, unknown>) => {
      const { runValidate } = await import('./commands/validate.js');
      await run(() => runValidate(io, { ...opts, pipelines }))();
    });

  const list = program.command('list').description('list pipelines or personas').exitOverride();
  withProject(list.command('pipelines'))
    .description('the pipelines of the project')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runListPipelines } = await import('./commands/list-definitions.js');
      await run(() => runListPipelines(io, opts))();
    });
  withProject(list.command('personas'))
    .description('the personas of the project')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runListPersonas } = await import('./commands/list-definitions.js');
      await run(() => runListPersonas(io, opts))();
    });

  withProject(program.command('init'))
    .description('write wave.yaml and .wave/ with the example pipelines and personas')
    .addOption(new Option('--force', 'overwrite existing files'))
    .action(async (opts: Record<string, unknown>) => {
      const { runInit } = await import('./commands/init.js');
      await run(() => runInit(io, opts))();
    });

  return program;
}

/** Runs the CLI and returns its exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return EXIT.ok;
      // commander has printed its message already.
      return error.code === 'commander.executeSubCommandAsync' ? EXIT.runFailed : EXIT.usage;
    }
    const { exitCode: code, message } = describeFailure(error);
    if (message) err(io, message.startsWith('internal error') ? message : `wave: ${message}`);
    return code;
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  process.exitCode = await runCli(argv, processIO());
}
