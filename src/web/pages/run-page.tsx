import { useMemo } from 'preact/hooks';
import { fetchLogText } from '../api/endpoints.js';
import { ArtifactList } from '../components/artifact-list.js';
import { CancelButton } from '../components/cancel-button.js';
import { ChangesView } from '../components/changes-view.js';
import { DagGraph } from '../components/dag-graph.js';
import { GatePanel } from '../components/gate-panel.js';
import { RetryButton, useFork } from '../components/lineage.js';
import { LogView } from '../components/log-view.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { RetrospectivePanel } from '../components/retrospective-panel.js';
import { RunFacts } from '../components/run-facts.js';
import { StatusBadge } from '../components/status-badge.js';
import { StepTable } from '../components/step-table.js';
import { StreamIndicator } from '../components/stream-indicator.js';
import { TimelineView } from '../components/timeline-view.js';
import { useChildRuns } from '../hooks/use-child-runs.js';
import { useNow } from '../hooks/use-now.js';
import { useRunChanges } from '../hooks/use-run-changes.js';
import { useRunLive } from '../hooks/use-run-live.js';
import { saveBlob } from '../save-blob.js';
import { childEventCount, childRowsByStep } from '../state/child-runs.js';
import { isTerminalStatus } from '../state/run-projection.js';
import { throttledSteps } from '../state/throttled-steps.js';

/** One run, live: facts, gates, steps (graph and table), changes, log, timeline, artifacts, cancel. */
export function RunPage({ id }: { id: string }) {
  const live = useRunLive(id);
  const run = live.detail;
  const finished = run ? isTerminalStatus(run.status) : false;
  const now = useNow(run !== null && !finished);
  const stepIds = useMemo(() => run?.steps.map((s) => s.id) ?? [], [run?.steps]);
  // Children listed by the steps plus child events seen: any change fetches them again.
  const childChanges = useMemo(
    () => (run?.steps.reduce((n, s) => n + s.children.length, 0) ?? 0) + childEventCount(live.events),
    [run?.steps, live.version],
  );
  const childList = useChildRuns(id, childChanges);
  // A worktree step commits its changes as it ends: fetch them again when a step ends.
  const endedSteps = run?.steps.filter((s) => s.finished_at !== null).length ?? 0;
  const changes = useRunChanges(id, endedSteps);
  const fork = useFork(id);
  const childRuns = useMemo(
    () => (run ? childRowsByStep(run, childList, live.events) : new Map()),
    [run?.steps, childList, live.version],
  );

  const throttled = useMemo(
    () => (run ? throttledSteps(run.steps, live.events) : new Map<string, string>()),
    [run?.steps, live.version],
  );

  if (!run) {
    return (
      <>
        <PageTitle title={`Run ${id}`} />
        {live.error ? (
          <ErrorNotice message={live.error} onRetry={live.refresh} />
        ) : (
          <Loading what="the run" />
        )}
      </>
    );
  }

  const downloadLog = () => {
    fetchLogText(run.id).then(
      (blob) => saveBlob(blob, `${run.id}.log`),
      () => {},
    );
  };
  const waitingFirst = [...run.gates].sort(
    (a, b) => Number(b.status === 'waiting') - Number(a.status === 'waiting'),
  );

  return (
    <>
      <div class="page-head">
        <PageTitle title={`Run ${run.id}`}>
          Run <span class="run-id">{run.id}</span>
        </PageTitle>
        <span data-testid="run-status">
          <StatusBadge status={run.status} />
        </span>
        <StreamIndicator status={live.stream.status} detail={live.stream.detail} />
        <CancelButton run={run} onDone={live.refresh} />
        <RetryButton run={run} />
      </div>
      {live.error && <ErrorNotice message={live.error} onRetry={live.refresh} />}
      <RunFacts run={run} now={now} />

      {run.gates.length > 0 && (
        <section aria-labelledby="gates-title" class="panel">
          <h2 id="gates-title">Gates</h2>
          {waitingFirst.map((g) => (
            <GatePanel
              key={g.step}
              runId={run.id}
              gate={g}
              runFinished={finished}
              onAnswered={live.refresh}
              changes={changes?.stat ?? null}
            />
          ))}
        </section>
      )}

      <section aria-labelledby="steps-title" class="panel">
        <h2 id="steps-title">Steps</h2>
        <DagGraph steps={run.steps} label={`Step graph of run ${run.id}`} />
        {fork.error && (
          <p class="notice notice-error" role="alert">
            {fork.error}
          </p>
        )}
        <StepTable
          steps={run.steps}
          now={now}
          childRuns={childRuns}
          throttled={throttled}
          {...(finished ? { onFork: fork } : {})}
        />
      </section>

      {changes && (
        <section aria-labelledby="changes-title" class="panel" id="changes">
          <h2 id="changes-title">Changes</h2>
          <ChangesView stat={changes.stat} diff={changes.diff} />
        </section>
      )}
      {finished && <RetrospectivePanel key={`${run.id}:${run.finished_at}`} runId={run.id} />}

      <section aria-labelledby="log-title" class="panel">
        <h2 id="log-title">Log</h2>
        <LogView events={live.events} version={live.version} steps={stepIds} onDownload={downloadLog} />
      </section>

      <div class="two-up">
        <section aria-labelledby="timeline-title" class="panel">
          <h2 id="timeline-title">Timeline</h2>
          <TimelineView events={live.events} version={live.version} />
        </section>
        <section aria-labelledby="artifacts-title" class="panel">
          <h2 id="artifacts-title">Artifacts</h2>
          <ArtifactList runId={run.id} steps={run.steps} runArtifacts={run.artifacts} />
        </section>
      </div>
    </>
  );
}
