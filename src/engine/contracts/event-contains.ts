import type { ContractChecker } from './types.js';

/**
 * `event_contains`: every pattern matches at least one event of this step so far: the event's
 * type (the Go Wave's "state") exactly, and `contains` as a substring of its JSON text.
 */
export const eventContainsContract: ContractChecker = async (contract, ctx) => {
  const patterns = contract.events ?? [];
  if (patterns.length === 0) return { ok: true, errors: [] };
  if (!ctx.runEvents)
    return { ok: false, errors: ["event_contains needs the run's events, and none are available here"] };
  const mine = (await ctx.runEvents()).filter((e) => 'step' in e && e.step === ctx.step.id);
  const missing = patterns.filter(
    (p) =>
      !mine.some(
        (e) => e.type === p.state && (p.contains === null || JSON.stringify(e).includes(p.contains)),
      ),
  );
  return {
    ok: missing.length === 0,
    errors: missing.map(
      (p) =>
        `no ${p.state} event of step "${ctx.step.id}"${p.contains === null ? '' : ` containing ${JSON.stringify(p.contains)}`}`,
    ),
  };
};
