import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StepSpec } from '../pipeline/model.js';
import { renderTemplate } from '../pipeline/templates.js';
import type { RunContext } from './context.js';
import type { ContractContext } from './contracts/index.js';
import { jsonSchemaContract } from './contracts/json-schema.js';
import { INJECT_DIR } from './template-values.js';

/** What a Go Wave step needs before it runs (GOWAVE §§10–12): its templated fields and inputs. */

const stepsById = new WeakMap<object, Map<string, StepSpec>>();

/** Whether a direct dependency declares outputs, or is of a kind whose artifacts are known only once it ran. */
export function dependenciesMayHaveArtifacts(ctx: RunContext, step: StepSpec): boolean {
  if (step.dependencies.length === 0) return false;
  let byId = stepsById.get(ctx.spec);
  if (!byId) {
    byId = new Map(ctx.spec.steps.map((s) => [s.id, s]));
    stepsById.set(ctx.spec, byId);
  }
  return step.dependencies.some((id) => {
    const dep = byId.get(id);
    return (
      !dep ||
      dep.outputs.length > 0 ||
      !(dep.kind === 'command' || dep.kind === 'prompt' || dep.kind === 'gate')
    );
  });
}

/**
 * The step as it runs: its persona name, artifact paths and contract sources with their
 * templates filled in (GOWAVE §10: `"{{ forge.type }}-commenter"`, `out/{{ input }}.yaml`).
 */
export function renderStepFields(step: StepSpec, values: Record<string, string>): StepSpec {
  const has = (t: string | null | undefined) => t?.includes('{{') ?? false;
  if (
    !has(step.persona) &&
    !step.outputs.some((a) => has(a.path)) &&
    !step.contracts.some((c) => has(c.source))
  )
    return step;
  return {
    ...step,
    persona: step.persona === null ? null : renderTemplate(step.persona, values),
    outputs: step.outputs.map((a) => ({ ...a, path: renderTemplate(a.path, values) })),
    contracts: step.contracts.map((c) =>
      c.source === undefined ? c : { ...c, source: renderTemplate(c.source, values) },
    ),
  };
}

/** `inject_artifacts[].schema_path`: the injected copy must match (GOWAVE §11). */
export async function checkInjectedSchemas(
  step: StepSpec,
  contractContext: ContractContext,
): Promise<{ code: string; message: string } | null> {
  for (const inj of step.injects) {
    const source = `${INJECT_DIR}/${inj.as}`;
    // An optional artifact that was not there was not injected: nothing to check.
    if (!inj.schemaPath || !existsSync(join(contractContext.workspace, source))) continue;
    const result = await jsonSchemaContract(
      { type: 'json_schema', source, schemaPath: inj.schemaPath, requiredSections: [], onFailure: 'fail' },
      contractContext,
    );
    if (!result.ok) {
      return {
        code: 'input_schema_failed',
        message: `input artifact '${inj.as}' schema validation failed: ${result.errors.slice(0, 5).join('; ')}`,
      };
    }
  }
  return null;
}
