import type { z } from 'zod';
import type {
  Insights as InsightsSchema,
  Retrospective as RetrospectiveSchema,
} from '../../api/insights-schemas.js';
import type { ScheduleT } from '../../api/schedule-schemas.js';
import type {
  DiffStat as DiffStatSchema,
  GateT,
  Persona as PersonaSchema,
  PipelineT,
  RunDetailT,
  RunT,
} from '../../api/schemas.js';
import type { RunStatus, WaveEvent } from '../../events/catalogue.js';

/** The API's objects, typed from the server's own schemas (types only: no zod in the bundle). */
export type Run = RunT;
export type RunDetail = RunDetailT;
export type Step = RunDetailT['steps'][number];
export type Gate = GateT;
export type Pipeline = PipelineT;
export type PipelineWithSource = PipelineT & { source: string };
export type Persona = z.infer<typeof PersonaSchema>;
export type Schedule = ScheduleT;
export type Retrospective = z.infer<typeof RetrospectiveSchema>;
export type Usage = Retrospective['usage']['total'];
export type Insights = z.infer<typeof InsightsSchema>;
export type DiffStat = z.infer<typeof DiffStatSchema>;
export type { RunStatus, WaveEvent };

export interface RunPage {
  runs: Run[];
  next_cursor: string | null;
}
