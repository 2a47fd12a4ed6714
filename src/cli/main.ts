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

  // Server mode (CLI.md "Local and server modes"): the same commands against a wave serve.
  const withRemote = (cmd: Command): Command =>
    cmd
      .option('--server <url>', 'talk to a wave serve at this URL (or WAVE_SERVER)')
      .option('--token <token>', 'bearer token for the server (or WAVE_TOKEN)')
      .option('--cert <file>', 'client certificate for mTLS (or WAVE_CERT)')
      .option('--key <file>', 'its private key (or WAVE_KEY)')
      .option('--ca <file>', "CA of the server's certificate (or WAVE_CA)");

  const run = (fn: () => Promise<number>) => async () => {
    setExit(await fn());
  };

  const withServeFlags = (cmd: Command): Command =>
    cmd
      .option('--host <host>', 'address to listen on (default 127.0.0.1)')
      .option('--port <port>', 'port (default 8080; 0 picks a free one)')
      .option('--bind <host:port>', 'address and port together')
      .option('--max-concurrent <n>', 'runs at once; FIFO beyond that (default 5)')
      .option('--role <role>', 'all (default), api (only the API) or worker (only runs)')
      .option('--mock', 'run every prompt step with the built-in mock adapter')
      .option('--insecure', 'allow a non-loopback bind without authentication')
      .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent');

  withServeFlags(withProject(program.command('serve')))
    .description('the daemon: REST API, SSE, FIFO scheduler, gates over HTTP')
    // `wave server start` learns the URL from this file (the port may be 0).
    .addOption(new Option('--url-file <file>').hideHelp())
    .action(async (opts: Record<string, unknown>) => {
      const { runServe } = await import('./commands/serve.js');
      await run(() => runServe(io, opts))();
    });

  const server = program
    .command('server')
    .description("run this project's wave serve in the background: start, stop, status, logs, unit")
    .exitOverride();
  withServeFlags(withProject(server.command('start')))
    .description('start wave serve detached; returns once /api/health answers and prints the URL')
    .action(async (opts: Record<string, unknown>) => {
      const { runServerStart } = await import('./commands/server.js');
      await run(() => runServerStart(io, opts))();
    });
  withProject(server.command('stop'))
    .description('SIGTERM the server, SIGKILL after the timeout')
    .option('--timeout <duration>', 'how long to wait for it to stop (default 30s)')
    .action(async (opts: Record<string, unknown>) => {
      const { runServerStop } = await import('./commands/server.js');
      await run(() => runServerStop(io, opts))();
    });
  withProject(server.command('status'))
    .description('pid, URL, version, uptime and active runs; exit 0 running, 1 not running')
    .option('--json', 'print {running, pid, url, version, uptime_s, runs}')
    .action(async (opts: Record<string, unknown>) => {
      const { runServerStatus } = await import('./commands/server.js');
      await run(() => runServerStatus(io, opts))();
    });
  withProject(server.command('logs'))
    .description("the last lines of the server's log (.wave/server.log)")
    .option('-n, --lines <n>', 'how many lines (default 50)')
    .option('--follow', 'keep printing what is appended, across rotations, until Ctrl-C')
    .action(async (opts: Record<string, unknown>) => {
      const { runServerLogs } = await import('./commands/server.js');
      await run(() => runServerLogs(io, opts))();
    });
  withProject(server.command('unit'))
    .description('print a systemd unit that runs wave serve for this project')
    .option('--user', 'a user unit (systemctl --user), else a system unit')
    .action(async (opts: Record<string, unknown>) => {
      const { runServerUnit } = await import('./commands/server.js');
      await run(() => runServerUnit(io, opts))();
    });

  withProject(program.command('validate'))
    .description('check the manifest and pipelines; every error with file:line and path')
    .argument('[pipeline...]', 'pipelines to check (default: all)')
    .option('--json', 'print the result as JSON')
    .option('--verbose', 'list each Go Wave field that is accepted and not acted on')
    .action(async (pipelines: string[], opts: Record<string, unknown>) => {
      const { runValidate } = await import('./commands/validate.js');
      await run(() => runValidate(io, { ...opts, pipelines }))();
    });

  const list = program.command('list').description('list pipelines, personas or runs').exitOverride();
  withRemote(withProject(list.command('pipelines')))
    .description('the pipelines of the project')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runListPipelines } = await import('./commands/list-definitions.js');
      await run(() => runListPipelines(io, opts))();
    });
  withRemote(withProject(list.command('personas')))
    .description('the personas of the project')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runListPersonas } = await import('./commands/list-definitions.js');
      await run(() => runListPersonas(io, opts))();
    });

  const collect = (value: string, previous: string[] = []) => [...previous, value];

  withRemote(withProject(program.command('run')))
    .description('run a pipeline')
    .argument('<pipeline>', 'pipeline name')
    .argument('[input]', 'the input (or --input)')
    .option('--input <text>', 'the input')
    .option('--auto-approve', "answer gates with their default (else the first choice that doesn't fail)")
    .option('--gate <step=key[:text]>', 'answer a gate in advance (repeatable)', collect, [])
    .option('--mock', 'run prompt steps with the built-in mock adapter')
    .option('--json', 'print the events as JSON lines, and nothing else on stdout')
    .option('--detach', 'run in the background; print the run id and return')
    .option('--label <k=v>', 'label the run (repeatable)', collect, [])
    .action(async (pipeline: string, input: string | undefined, opts: Record<string, unknown>) => {
      const { runRun } = await import('./commands/run.js');
      await run(() =>
        runRun(io, { ...opts, pipeline, ...(input !== undefined ? { positionalInput: input } : {}) }),
      )();
    });

  withRemote(withProject(program.command('resume')))
    .description('continue a run that stopped (crash, kill) from its last completed step')
    .argument('<run-id>')
    .option('--json', 'print the events as JSON lines')
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runResume } = await import('./commands/resume.js');
      await run(() => runResume(io, { ...opts, runId }))();
    });

  withRemote(withProject(program.command('retry')))
    .description('a new run of a failed or cancelled run: reuses the steps that completed, runs the rest')
    .argument('<run-id>')
    .option('--json', 'print the events as JSON lines (the new run id goes to stderr)')
    .option('--detach', 'print the new run id and return; the run goes on in the background')
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runRetry } = await import('./commands/derive.js');
      await run(() => runRetry(io, { ...opts, runId }))();
    });

  withRemote(withProject(program.command('fork')))
    .description('a new run of a finished run from one step: that step and its downstream run again')
    .argument('<run-id>')
    .requiredOption('--from-step <step>', 'the step to run again (with every step downstream of it)')
    .option('--input <text>', "the new run's input (default: the source run's)")
    .option('--json', 'print the events as JSON lines (the new run id goes to stderr)')
    .option('--detach', 'print the new run id and return; the run goes on in the background')
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runFork } = await import('./commands/derive.js');
      await run(() => runFork(io, { ...opts, runId }))();
    });

  withRemote(withProject(list.command('runs')))
    .description('the runs in the project store, newest first')
    .option('--status <statuses>', 'comma-separated: queued,running,waiting,completed,failed,cancelled')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--limit <n>', 'how many (1-200, default 20)')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runListRuns } = await import('./commands/runs-query.js');
      await run(() => runListRuns(io, opts))();
    });

  withRemote(withProject(program.command('status')))
    .description('one run: steps, gates, times')
    .argument('<run-id>')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runStatus } = await import('./commands/runs-query.js');
      await run(() => runStatus(io, { ...opts, runId }))();
    });

  withRemote(withProject(program.command('retro')))
    .description("a finished run's retrospective: waits, critical path, slowest steps, retries, usage")
    .argument('<run-id>')
    .option('--json', "print the API's object")
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runRetro } = await import('./commands/insights.js');
      await run(() => runRetro(io, { ...opts, runId }))();
    });

  withRemote(withProject(program.command('insights')))
    .description('per-pipeline success rate, durations, usage, failing steps and a daily series')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--since <when>', 'an ISO time or a duration back from now (default 30d)')
    .option('--until <when>', 'an ISO time or a duration back from now (default now)')
    .option('--json', "print the API's object")
    .action(async (opts: Record<string, unknown>) => {
      const { runInsights } = await import('./commands/insights.js');
      await run(() => runInsights(io, opts))();
    });

  withRemote(withProject(program.command('logs')))
    .description("a run's output; --follow streams until the run ends")
    .argument('<run-id>')
    .option('--step <step>', 'only this step')
    .option('--follow', 'keep printing until the run ends')
    .option('--json', 'JSON lines: {seq, ts, step, stream, content}')
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runLogs } = await import('./commands/runs-query.js');
      await run(() => runLogs(io, { ...opts, runId }))();
    });

  withRemote(withProject(program.command('diff')))
    .description("what a run changed in code (its worktree steps' commits)")
    .argument('<run-id>')
    .option('--step <step>', "only this step's commit")
    .option('--stat', 'files with added and removed line counts')
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runDiff } = await import('./commands/diff.js');
      await run(() => runDiff(io, { ...opts, runId }))();
    });

  withRemote(withProject(program.command('cancel')))
    .description('cancel a queued or running run')
    .argument('<run-id>')
    .action(async (runId: string, opts: Record<string, unknown>) => {
      const { runCancel } = await import('./commands/control.js');
      await run(() => runCancel(io, { ...opts, runId }))();
    });

  withRemote(withProject(program.command('gate')))
    .description('answer a gate (the first answer wins)')
    .argument('<run-id>')
    .argument('<step>')
    .option('--choice <key>', 'the choice')
    .option('--text <text>', 'free text with the choice (freeform gates)')
    .option('--approve', 'the first choice that does not fail')
    .option('--reject', 'the first choice that fails')
    .action(async (runId: string, step: string, opts: Record<string, unknown>) => {
      const { runGate } = await import('./commands/control.js');
      await run(() => runGate(io, { ...opts, runId, step }))();
    });

  const schedule = program.command('schedule').description('schedules: runs at set times').exitOverride();
  withRemote(withProject(schedule.command('list')))
    .description('list schedules with their next and last run')
    .option('--json', 'print the API object')
    .action(async (opts: Record<string, unknown>) => {
      const { runScheduleList } = await import('./commands/schedule.js');
      await run(() => runScheduleList(io, opts))();
    });
  withRemote(withProject(schedule.command('add')))
    .description('add a schedule: --cron EXPR (5 or 6 fields) or --rrule RULE')
    .argument('<name>')
    .argument('<pipeline>')
    .option('--cron <expr>', 'cron expression, 5 fields or 6 with seconds')
    .option('--rrule <rule>', 'RRULE: FREQ=HOURLY|DAILY|WEEKLY, INTERVAL, BYDAY, BYHOUR, BYMINUTE, BYSECOND')
    .option('--tz <zone>', 'IANA time zone (default UTC)')
    .option('--input <text>', 'the input of every run')
    .option('--overlap <mode>', 'skip (default) or queue: what a slot does while the last run is active')
    .option('--catch-up <mode>', 'skip (default) or one: slots missed while no server ran')
    .action(async (name: string, pipeline: string, opts: Record<string, unknown>) => {
      const { runScheduleAdd } = await import('./commands/schedule.js');
      await run(() => runScheduleAdd(io, { ...opts, name, pipeline }))();
    });
  for (const action of ['pause', 'resume'] as const) {
    withRemote(withProject(schedule.command(action)))
      .description(
        action === 'pause' ? 'pause a schedule' : 'resume a schedule (slots missed while paused do not run)',
      )
      .argument('<schedule>', 'id or name')
      .action(async (id: string, opts: Record<string, unknown>) => {
        const { runSchedulePause } = await import('./commands/schedule.js');
        await run(() => runSchedulePause(io, { ...opts, id }, action === 'pause'))();
      });
  }
  withRemote(withProject(schedule.command('run')))
    .description("start a schedule's run now; prints the run id")
    .argument('<schedule>', 'id or name')
    .action(async (id: string, opts: Record<string, unknown>) => {
      const { runScheduleRun } = await import('./commands/schedule.js');
      await run(() => runScheduleRun(io, { ...opts, id }))();
    });
  withRemote(withProject(schedule.command('rm')))
    .description('remove a schedule (not one declared in wave.yaml)')
    .argument('<schedule>', 'id or name')
    .action(async (id: string, opts: Record<string, unknown>) => {
      const { runScheduleRemove } = await import('./commands/schedule.js');
      await run(() => runScheduleRemove(io, { ...opts, id }))();
    });

  withRemote(withProject(program.command('top')))
    .description('a live full-screen dashboard of every run (the local store, or --server)')
    .addHelpText(
      'after',
      '\nKeys: arrows or j/k select, Enter details (steps, last output), c cancel (asks y), r retry\n' +
        '(not available yet), g answer the waiting gate, f cycle status filters, / search by id or\n' +
        'pipeline, q or Ctrl-C quit. Needs a terminal: without one it exits 2 (use wave list runs).',
    )
    .action(async (opts: Record<string, unknown>) => {
      const { runTop } = await import('./commands/top.js');
      await run(() => runTop(io, opts))();
    });

  const token = program.command('token').description('JWTs for the server').exitOverride();
  withProject(token.command('create'))
    .description('mint a JWT (HS256) from the configured secret (server.auth.jwt_secret / WAVE_JWT_SECRET)')
    .requiredOption('--sub <name>', 'who the token is for (recorded as the actor)')
    .option(
      '--scope <scopes>',
      'space- or comma-separated: runs:read runs:write gates:answer admin',
      'runs:read',
    )
    .option('--ttl <duration>', 'how long it is valid (e.g. 30m, 24h, 7d)', '24h')
    .action(async (opts: Record<string, unknown>) => {
      const { runTokenCreate } = await import('./commands/token.js');
      await run(() => runTokenCreate(io, opts))();
    });

  withProject(program.command('prune'))
    .description('delete finished runs (events, logs, artifacts, workspaces) older than the limit')
    .option(
      '--older-than <duration>',
      'every finished run older than this (e.g. 30d); default: storage.retention',
    )
    .option('--dry-run', 'list what would go, change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { runPrune } = await import('./commands/prune.js');
      await run(() => runPrune(io, opts))();
    });

  const db = program
    .command('db')
    .description("the store's schema, and moving it to PostgreSQL")
    .exitOverride();
  withProject(db.command('migrate'))
    .description("apply the configured store's pending migrations (SQLite or PostgreSQL)")
    .action(async (opts: Record<string, unknown>) => {
      const { runDbMigrate } = await import('./commands/db.js');
      await run(() => runDbMigrate(io, opts))();
    });
  withProject(db.command('copy'))
    .description('copy the SQLite store, ids and seq kept, into an empty PostgreSQL store')
    .option('--to <url>', 'the PostgreSQL store: postgres://user:pass@host:5432/db')
    .action(async (opts: Record<string, unknown>) => {
      const { runDbCopy } = await import('./commands/db.js');
      await run(() => runDbCopy(io, opts))();
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
