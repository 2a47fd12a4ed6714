import type { Store } from '../../store/store.js';
import { computeInsights, type Insights } from './insights.js';
import { resolveWindow } from './insights-window.js';
import { computeRetrospective, type Retrospective } from './retrospective.js';

export interface InsightsQuery {
  pipeline?: string | undefined;
  /** An ISO time or a duration back from now (`7d`); default 30 days before `until`. */
  since?: string | undefined;
  until?: string | undefined;
}

/** API.md "Insights and retrospectives": what routes and commands call. */
export class InsightsService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  insights(q: InsightsQuery): Promise<Insights> {
    const window = resolveWindow(q, this.now());
    return computeInsights(this.store.insights, {
      ...window,
      ...(q.pipeline ? { pipeline: q.pipeline } : {}),
    });
  }

  async retrospective(runId: string): Promise<Retrospective> {
    const retro = await computeRetrospective(this.store, runId);
    return { ...retro, narrative: await this.store.insights.narrative(runId) };
  }
}
