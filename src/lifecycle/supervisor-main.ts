import { SupervisorPlan, supervise } from './supervisor.js';

// Entry point of the supervisor process (see supervisor.ts); started only by `wave server start`.
supervise(SupervisorPlan.parse(JSON.parse(process.argv[2] ?? '{}')));
