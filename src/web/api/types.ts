import type { z } from 'zod';
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
export type DiffStat = z.infer<typeof DiffStatSchema>;
export type { RunStatus, WaveEvent };

export interface RunPage {
  runs: Run[];
  next_cursor: string | null;
}
